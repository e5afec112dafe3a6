/**
 * Compares pushgate's secret rules with secretlint's recommended preset on the same labelled
 * corpus: every rule's positive fixture (a file that holds a secret) and negative fixture, plus
 * the false-positive corpus (files that hold none). Prints file-level precision and recall and
 * scanning speed for each. See src/secrets/README.md for the figures and the decision.
 *
 *   npx tsx bench/secrets/compare.ts [--rounds 20] [--text-dir /usr/share] [--text-mib 64]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { scanFile } from '../../src/secrets/scan-file.js';
import { sniffBinary } from '../../src/secrets/sniff-binary.js';
import { expandTemplate } from '../../test/fixtures/secrets/expand-template.js';
import { provenanceCorpus } from './provenance-corpus.js';

interface Sample {
  path: string;
  content: Buffer;
  /** Whether the file holds a secret. */
  secret: boolean;
  label: string;
}

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/secrets/', import.meta.url));

function labelledCorpus(): Sample[] {
  const samples: Sample[] = [];
  const rules = join(FIXTURES, 'rules');
  for (const rule of readdirSync(rules).sort()) {
    const pathFile = join(rules, rule, 'path.txt');
    const path = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : `app/${rule}.txt`;
    for (const [name, secret] of [
      ['positive.txt', true],
      ['negative.txt', false],
    ] as const) {
      let text = expandTemplate(readFileSync(join(rules, rule, name), 'utf8'));
      // Variable fixtures are NAME=value lines as ENV would give them; a .env file is their file form.
      if (rule === 'named-variable') text = text.replace(/^/gm, 'export ');
      samples.push({
        path: rule === 'named-variable' ? 'app/.env' : path,
        content: Buffer.from(text),
        secret,
        label: `${rule}/${name}`,
      });
    }
  }
  const fp = join(FIXTURES, 'false-positives');
  for (const name of readdirSync(fp).sort()) {
    samples.push({
      path: `app/${name.replace(/\.fixture$/, '')}`,
      content: readFileSync(join(fp, name)),
      secret: false,
      label: `false-positives/${name}`,
    });
  }
  return samples;
}

function textFiles(dir: string, budget: number): Sample[] {
  const out: Sample[] = [];
  let total = 0;
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (total >= budget) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const size = statSync(p).size;
        if (size === 0 || size > 1024 * 1024) continue;
        let content: Buffer;
        try {
          content = readFileSync(p);
        } catch {
          continue;
        }
        if (sniffBinary(content)) continue;
        out.push({ path: p.slice(1), content, secret: false, label: p });
        total += size;
      }
    }
  };
  walk(dir);
  return out;
}

interface Tool {
  name: string;
  flags(sample: Sample): Promise<string[]>;
}

const pushgate: Tool = {
  name: 'pushgate rules',
  flags: async (sample) => {
    const found = scanFile(sample.path, sample.content);
    return found.secrets.map((f) => f.rule);
  },
};

const secretlint: Tool = {
  name: 'secretlint preset-recommend 12.0.0',
  flags: async (sample) => {
    const result = await lintSource({
      source: { content: sample.content.toString('utf8'), filePath: `/${sample.path}`, contentType: 'text' },
      options: {
        config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] },
        maskSecrets: true,
        noPhysicFilePath: true,
      },
    });
    return result.messages.map((m) => m.ruleId);
  },
};

async function quality(tool: Tool, corpus: Sample[]): Promise<{ precision: number; recall: number }> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  for (const sample of corpus) {
    const flagged = (await tool.flags(sample)).length > 0;
    if (sample.secret && flagged) tp++;
    else if (sample.secret) {
      fn++;
      missed.push(sample.label.replace('/positive.txt', ''));
    } else if (flagged) {
      fp++;
      falseAlarms.push(`${sample.label} (${(await tool.flags(sample)).join(', ')})`);
    } else tn++;
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  console.log(`\n${tool.name}`);
  console.log(`  files: ${corpus.length} (${tp + fn} with a secret); TP ${tp}, FP ${fp}, FN ${fn}, TN ${tn}`);
  console.log(`  precision ${(precision * 100).toFixed(1)} %, recall ${(recall * 100).toFixed(1)} %`);
  if (missed.length) console.log(`  missed (${missed.length}): ${missed.join(', ')}`);
  if (falseAlarms.length) console.log(`  false alarms (${falseAlarms.length}): ${falseAlarms.join('; ')}`);
  return { precision, recall };
}

async function speed(tool: Tool, corpus: Sample[], rounds: number): Promise<number> {
  const bytes = corpus.reduce((sum, s) => sum + s.content.length, 0) * rounds;
  for (const sample of corpus.slice(0, 20)) await tool.flags(sample); // warm-up (JIT, rule compilation)
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const sample of corpus) await tool.flags(sample);
  const seconds = (performance.now() - start) / 1000;
  return bytes / 1024 / 1024 / seconds;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '20' },
      'text-dir': { type: 'string', default: '/usr/share' },
      'text-mib': { type: 'string', default: '64' },
    },
  });
  const corpus = labelledCorpus();
  console.log(
    `labelled corpus: ${corpus.length} files, ${(corpus.reduce((s, c) => s + c.content.length, 0) / 1024).toFixed(0)} KiB`,
  );
  for (const tool of [pushgate, secretlint]) await quality(tool, corpus);

  // Issue 12's cases need an image (package databases, whole-file checksums), so pushgate's answer
  // is whether the scan put a blocking finding on the file; secretlint still sees one file at a time.
  const provenance = await provenanceCorpus();
  console.log(
    `\nprovenance corpus (one image): ${provenance.files.length} files, blocking = a user secret or a live format`,
  );
  const imageCases: Sample[] = provenance.files;
  const pushgateImage: Tool = {
    name: 'pushgate scan (provenance, binary pass, UTF-16, streaming)',
    flags: async (sample) => (provenance.pushgateBlocks.has(sample.path) ? ['blocking'] : []),
  };
  for (const tool of [pushgateImage, secretlint]) await quality(tool, imageCases);
  const all = [...corpus, ...imageCases];
  console.log('\nboth corpora together');
  await quality(
    {
      name: pushgateImage.name,
      flags: async (s) => (imageCases.includes(s) ? pushgateImage.flags(s) : pushgate.flags(s)),
    },
    all,
  );
  await quality(secretlint, all);

  const rounds = Number(values.rounds);
  const text = existsSync(values['text-dir'])
    ? textFiles(values['text-dir'], Number(values['text-mib']) * 1024 * 1024)
    : [];
  const textBytes = text.reduce((s, c) => s + c.content.length, 0);
  console.log(`\nspeed (single thread, best of 2):`);
  console.log(
    `  labelled corpus × ${rounds}; real text: ${text.length} files, ${(textBytes / 1024 / 1024).toFixed(1)} MiB from ${values['text-dir']}`,
  );
  for (const tool of [pushgate, secretlint]) {
    const corpusSpeed = Math.max(await speed(tool, corpus, rounds), await speed(tool, corpus, rounds));
    const textSpeed = text.length ? Math.max(await speed(tool, text, 1), await speed(tool, text, 1)) : NaN;
    console.log(
      `  ${tool.name}: labelled corpus ${corpusSpeed.toFixed(1)} MiB/s, real text ${textSpeed.toFixed(1)} MiB/s`,
    );
  }
  let realFindings = 0;
  for (const sample of text) realFindings += (await secretlint.flags(sample)).length > 0 ? 1 : 0;
  let ours = 0;
  for (const sample of text) ours += (await pushgate.flags(sample)).length > 0 ? 1 : 0;
  console.log(
    `  files flagged in the real text (no labels; mostly false alarms or vendored test keys): pushgate ${ours}, secretlint ${realFindings}`,
  );
}

await main();
