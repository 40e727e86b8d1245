import { translateConstraints } from '../../db/errors.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { DocumentReviewTable } from '../../db/schema.ts';
import { DomainError } from '../../errors.ts';

/** The review decisions on documents (one per revision): the only writer of `document_reviews`. */
export const reviewsRepo = {
  /** Reviews of the documents of a model version or a use case. */
  async ofSubject(db: Executor, subjectId: string): Promise<DocumentReviewTable[]> {
    return db
      .selectFrom('document_reviews')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },

  async insert(tx: Tx, r: DocumentReviewTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('document_reviews').values(r).execute(), {
      unique: () => new DomainError('conflict', `document ${r.document_id} has already been reviewed`),
    });
  },
};

export type ReviewsRepo = typeof reviewsRepo;
