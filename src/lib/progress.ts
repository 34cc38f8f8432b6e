// Progress for long steps: a bar on a terminal, a line every few seconds in logs (CI, pipes).
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(summary?: string): void;
}

export function progress(label: string, total: number, unit = 'events'): Progress {
  const stream = process.stderr;
  if (process.env.RISKGATE_QUIET === '1') return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(22)} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | eta {eta_formatted}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const start = performance.now();
    bar.start(Math.max(total, 1), 0, { rate: 0 });
    return {
      update(done, newTotal) {
        if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
        bar.update(done, { rate: Math.round(done / ((performance.now() - start) / 1000 || 1)) });
      },
      stop(summary) {
        bar.stop();
        if (summary) stream.write(`${label}: ${summary}\n`);
      },
    };
  }
  const start = performance.now();
  let lastPrint = start;
  let lastTotal = total;
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) lastTotal = newTotal;
      const now = performance.now();
      if (now - lastPrint < 2000) return;
      lastPrint = now;
      const pct = lastTotal > 0 ? ` (${Math.floor((100 * done) / lastTotal)}%)` : '';
      stream.write(`${label}: ${done}/${lastTotal} ${unit}${pct}\n`);
    },
    stop(summary) {
      const seconds = ((performance.now() - start) / 1000).toFixed(1);
      stream.write(`${label}: ${summary ?? 'done'} in ${seconds}s\n`);
    },
  };
}
