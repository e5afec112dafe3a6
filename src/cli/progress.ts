import { escapeText } from '../escape-text.js';
import type { LayerProgress } from '../facts/gather-facts.js';
import { formatBytes } from '../format-bytes.js';

/**
 * One status line per layer on a TTY, redrawn in place at most ten times a second. The cursor
 * codes are ours; the lines (the platform comes from the image) are escaped before they are drawn.
 */
export function createProgress(stream: NodeJS.WriteStream): { update(p: LayerProgress): void; done(): void } {
  const states = new Map<string, LayerProgress>();
  let lastDraw = 0;
  let drawnLines = 0;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const lines = [...states.values()].map((p) => {
      // Layers are numbered from 0, as in the table, evidence (`[layer 1]`), JSON and policies.
      const label = `${p.platform} layer ${p.layer} (0–${p.layerCount - 1}) ${p.digest.slice(7, 19)}`;
      const what = p.state === 'cached' ? 'cached' : p.state === 'done' ? 'done' : 'reading';
      return `${label}  ${what.padEnd(7)} ${formatBytes(p.compressedBytes).padStart(8)} → ${formatBytes(
        p.uncompressedBytes,
      ).padStart(8)}  ${p.entries} files`;
    });
    if (drawnLines > 0) stream.write(`\x1b[${drawnLines}A`);
    for (const line of lines) stream.write(`\x1b[2K${escapeText(line)}\n`);
    drawnLines = lines.length;
  };
  return {
    update(p) {
      states.set(`${p.platform}#${p.layer}`, p);
      draw(p.state !== 'reading');
    },
    done() {
      draw(true);
    },
  };
}
