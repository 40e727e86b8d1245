import { grouped } from '../../db/chunks.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { listRead } from '../../db/prepared.ts';
import type { DocumentReviewTable } from '../../db/schema.ts';
import { DomainError } from '../../errors.ts';

const reviewsOf = listRead((db, ids) =>
  db.selectFrom('document_reviews').selectAll().where('subject_id', 'in', ids).orderBy('created_at').orderBy('id'),
);

/** The review decisions on documents (one per revision): the only writer of `document_reviews`. */
export const reviewsRepo = {
  /** Reviews of the documents of a model version or a use case. */
  async ofSubject(db: Executor, subjectId: string): Promise<DocumentReviewTable[]> {
    return (await reviewsRepo.ofSubjects(db, [subjectId])).get(subjectId)!;
  },

  /** Reviews of the documents of each of `subjectIds`, oldest first. */
  async ofSubjects(db: Executor, subjectIds: string[]): Promise<Map<string, DocumentReviewTable[]>> {
    return grouped(
      subjectIds,
      (ids) => reviewsOf(db, ids),
      (r) => r.subject_id,
    );
  },

  async insert(tx: Tx, r: DocumentReviewTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('document_reviews').values(r).execute(), {
      unique: () => new DomainError('conflict', `document ${r.document_id} has already been reviewed`),
    });
  },
};

export type ReviewsRepo = typeof reviewsRepo;
