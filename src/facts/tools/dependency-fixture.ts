/**
 * Whether a path is a test fixture, test or example shipped inside an installed dependency, and
 * which dependency. Decided by path alone: the pusher writes these trees too, which is why only
 * findings that cannot be checked (keys, generic assignments) are softened for them.
 */
export interface DependencyFixture {
  /** npm package, Python top-level package, Composer/Go vendor path, Go module@version, gem, crate, or `go` for GOROOT. */
  package: string;
  /** The ecosystem whose install tree holds it. */
  ecosystem: 'npm' | 'python' | 'composer' | 'go' | 'ruby' | 'cargo';
}

/** Directory names that hold tests, fixtures and examples by the conventions of these ecosystems. */
const FIXTURE_DIRS: ReadonlySet<string> = new Set([
  'test', 'tests', '__tests__', 'testing', 'testdata', 'test-data', 'test_data', 'testfixtures',
  'spec', 'specs', '__specs__',
  'fixture', 'fixtures', '__fixtures__', '__mocks__',
  'example', 'examples', '_examples', 'sample', 'samples', 'demo', 'demos',
]); // prettier-ignore

interface Tree {
  ecosystem: DependencyFixture['ecosystem'];
  /** Finds the dependency root in `segments`: the package name and the index where its files begin. */
  root(segments: readonly string[]): { package: string; at: number } | undefined;
  /** Go also names test files by suffix (`_test.go`). */
  testFile?: (base: string) => boolean;
}

function lastIndexOf(segments: readonly string[], name: string): number {
  return segments.lastIndexOf(name);
}

const isGoTest = (base: string): boolean => base.endsWith('_test.go');

/** Install trees, in the order they are tried: the innermost dependency root wins within each. */
const TREES: readonly Tree[] = [
  {
    ecosystem: 'npm',
    root(segments) {
      const i = lastIndexOf(segments, 'node_modules');
      if (i < 0 || i + 1 >= segments.length) return undefined;
      const scoped = segments[i + 1].startsWith('@');
      if (scoped && i + 2 >= segments.length) return undefined;
      return scoped
        ? { package: `${segments[i + 1]}/${segments[i + 2]}`, at: i + 3 }
        : { package: segments[i + 1], at: i + 2 };
    },
  },
  {
    ecosystem: 'go',
    // The module cache: …/pkg/mod/<module path>@<version>/…
    root(segments) {
      const i = segments.findIndex((s, n) => s === 'mod' && segments[n - 1] === 'pkg');
      if (i < 0) return undefined;
      const v = segments.findIndex((s, n) => n > i && s.includes('@'));
      if (v < 0) return undefined;
      return { package: segments.slice(i + 1, v + 1).join('/'), at: v + 1 };
    },
    testFile: isGoTest,
  },
  {
    ecosystem: 'go',
    // A GOROOT where distributions and the release archive put it (`/usr/local/go`,
    // `/usr/lib/go-1.22`, `/usr/share/go-1.19`), never a GOPATH: `/go/src/app` (the golang
    // images' WORKDIR convention) is the user's own code.
    root(segments) {
      if (segments[0] !== 'usr' || segments[3] !== 'src') return undefined;
      if (!['local', 'lib', 'share'].includes(segments[1])) return undefined;
      if (segments[2] !== 'go' && !/^go-?\d+(?:\.\d+)*$/.test(segments[2])) return undefined;
      return { package: 'go', at: 4 };
    },
    testFile: isGoTest,
  },
  {
    ecosystem: 'python',
    root(segments) {
      const i = Math.max(lastIndexOf(segments, 'site-packages'), lastIndexOf(segments, 'dist-packages'));
      if (i < 0 || i + 1 >= segments.length) return undefined;
      const top = segments[i + 1];
      if (top.endsWith('.dist-info') || top.endsWith('.egg-info')) return undefined;
      return { package: top, at: i + 2 };
    },
  },
  {
    ecosystem: 'ruby',
    // Installed gems live in `…/gems/<ruby version>/gems/<gem>/` (rubygems, `vendor/bundle/ruby/3.3.0/gems/`)
    // or `/usr/local/bundle/gems/<gem>/` (the ruby images' BUNDLE_PATH); a folder merely named gems is not one.
    root(segments) {
      const i = lastIndexOf(segments, 'gems');
      if (i < 1 || i + 1 >= segments.length) return undefined;
      const parent = segments[i - 1];
      if (parent !== 'bundle' && !/^\d+\.\d+\.\d+$/.test(parent)) return undefined;
      return { package: segments[i + 1], at: i + 2 };
    },
  },
  {
    ecosystem: 'cargo',
    // ~/.cargo/registry/src/<index>/<crate>-<version>/…
    root(segments) {
      const i = segments.findIndex((s, n) => s === 'src' && segments[n - 1] === 'registry');
      if (i < 0 || i + 2 >= segments.length) return undefined;
      return { package: segments[i + 2], at: i + 3 };
    },
  },
  {
    ecosystem: 'composer',
    // Composer's vendor/<vendor>/<package>/ (Go's vendor/<host>/<owner>/<repo> reads the same way).
    root(segments) {
      const i = lastIndexOf(segments, 'vendor');
      if (i < 0 || i + 2 >= segments.length) return undefined;
      return { package: `${segments[i + 1]}/${segments[i + 2]}`, at: i + 3 };
    },
  },
];

/**
 * The dependency whose test, fixture or example tree holds `path` (normalised, no leading
 * slash), or undefined. A file at a dependency's top level (`node_modules/x/.npmrc`) is the
 * dependency's configuration, not a fixture.
 */
export function dependencyFixture(path: string): DependencyFixture | undefined {
  const segments = path.split('/');
  const base = segments[segments.length - 1];
  for (const tree of TREES) {
    const root = tree.root(segments);
    if (root === undefined || root.at >= segments.length) continue;
    const inside = segments.slice(root.at, -1);
    if (inside.some((dir) => FIXTURE_DIRS.has(dir.toLowerCase())) || tree.testFile?.(base) === true) {
      return { package: root.package, ecosystem: tree.ecosystem };
    }
  }
  return undefined;
}
