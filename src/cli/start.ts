import type { Command } from 'commander';
import { dataDir } from '../lib/config.js';
import { progress } from '../lib/progress.js';
import { openEmbedded } from '../runtime/embedded.js';
import { runSimulation } from './simulate.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('The main job on the embedded tier: simulate a marketplace into the event log (reused on later starts)')
    .action(async (_opts, command: Command) => {
      const dir = dataDir(command.optsWithGlobals<{ data?: string }>().data);
      console.log(`riskgate: data directory ${dir}`);
      const bar = progress('load features', 0);
      const embedded = await openEmbedded(dir, { onReplay: (done, total) => bar.update(done, total) });
      bar.stop(`${embedded.features.engine.appliedSeq} events applied`);
      try {
        const count = await embedded.log.count();
        if (count > 0) {
          console.log(`step 1/1 simulate: reusing the ${count} events already in the log`);
        } else {
          console.log('step 1/1 simulate: a marketplace with realistic fraud and delayed labels, through the online features');
          const summary = await runSimulation({}, { ingest: (events) => embedded.features.ingest(events) });
          console.log(summary.table());
        }
      } finally {
        await embedded.close();
      }
      console.log('\nThe event log and online features are ready: npx riskgate events stats, npx riskgate features skew (or --help)');
    });
}
