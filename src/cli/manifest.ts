// Run by `npm run build` on the compiled CLI: records which group defines each top-level command,
// so a command line loads one group and `steward --help` none.
import { writeFileSync } from 'node:fs';
import { fullProgram, type Manifest } from './program.ts';

const { program, groupOf } = await fullProgram();
const manifest: Manifest = {
  commands: program.commands.map((c) => ({
    name: c.name(),
    group: groupOf.get(c.name())!,
    usage: c.usage(),
    description: c.description(),
  })),
};
writeFileSync(new URL('./manifest.json', import.meta.url), `${JSON.stringify(manifest, null, 2)}\n`);
