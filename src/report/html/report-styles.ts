/**
 * The report's one stylesheet, inline (the page loads nothing); the CSP names its hash. No style
 * attributes anywhere: they would need 'unsafe-hashes'. Colours meet WCAG AA contrast on white.
 */
export const REPORT_STYLES = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 1px solid var(--line); padding-bottom: .5rem; }
h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
a { color: #0550ae; }
a:focus-visible, summary:focus-visible, input:focus-visible, button:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.skip-link { position: absolute; left: -10000px; top: 0; background: #fff; padding: .5rem; }
.skip-link:focus { left: 1rem; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: .5rem 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); }
td.num, th.num, .num { text-align: right; font-variant-numeric: tabular-nums; }
td.step { overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-weight: 700; font-size: .85em; border: 1px solid currentColor; }
.decision-pass { color: #116329; } .decision-reject, .decision-error { color: #a40e26; }
.decision-warn, .decision-tag { color: #7d4e00; } .decision-none { color: var(--muted); }
.sev-critical, .sev-high { color: #a40e26; } .sev-medium { color: #7d4e00; } .sev-low, .sev-info { color: var(--muted); }
.decision { font-size: 1.2rem; margin: .5rem 0; }
.chart { margin: .5rem 0 1rem; }
.size-chart { display: block; width: 100%; height: 28px; border: 1px solid var(--line); }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: .4rem 0 0; }
.swatch { display: inline-block; width: .9em; height: .9em; margin-right: .35em; vertical-align: -.1em; border: 1px solid #0003; }
.seg-0 { fill: #0969da; background: #0969da; } .seg-1 { fill: #8250df; background: #8250df; }
.seg-2 { fill: #1a7f37; background: #1a7f37; } .seg-3 { fill: #bc4c00; background: #bc4c00; }
.seg-4 { fill: #bf3989; background: #bf3989; } .seg-5 { fill: #4d2d00; background: #4d2d00; }
.seg-6 { fill: #0a3069; background: #0a3069; } .seg-7 { fill: #6e7781; background: #6e7781; }
.seg-buildToolchain { fill: #a40e26; background: #a40e26; } .seg-devDependencies { fill: #bc4c00; background: #bc4c00; }
.seg-packageManagers { fill: #8250df; background: #8250df; } .seg-cachesAndLeftovers { fill: #bf8700; background: #bf8700; }
.seg-wasted { fill: #6e7781; background: #6e7781; } .seg-rest { fill: #1a7f37; background: #1a7f37; }
.seg-empty { fill: var(--bg-alt); }
ul.evidence { margin: 0; padding-left: 1.1rem; }
ul.evidence li { overflow-wrap: anywhere; }
.fate { color: #a40e26; font-weight: 600; }
.remedy { background: var(--bg-alt); border-left: 4px solid #0969da; padding: .25rem .75rem; margin: .5rem 0 1rem; }
.remedy p { margin: .25rem 0; }
.filters { border: 1px solid var(--line); padding: .5rem .75rem; margin: .5rem 0; }
.filters label { margin-right: 1rem; white-space: nowrap; }
.muted { color: var(--muted); }
footer { color: var(--muted); border-top: 1px solid var(--line); margin-top: 2rem; padding: .5rem 1rem 2rem; }
@media print { .filters, .skip-link, nav { display: none; } }
`;
