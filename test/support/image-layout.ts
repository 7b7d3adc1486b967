// Reproduces the container image's file layout without a container engine: reads the Dockerfile and .dockerignore,
// copies what each stage's COPY copies (the build context filtered as Docker filters it) and runs the build stage's
// `npm ci` from the local npm cache. It understands exactly the instructions and patterns the repository uses and
// throws on anything else, so an edited Dockerfile is either followed or loudly refused, never half-reproduced.
import { execFile } from 'node:child_process';
import { cp, link, mkdir, readdir, readFile, readlink, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';

export interface Copy {
  line: number;
  /** Stage name (or index) of `--from=`; unset: the build context. */
  from?: string;
  sources: string[];
  dest: string;
}

export interface Stage {
  name?: string;
  base: string;
  workdir?: string;
  /** In order, so a COPY and the RUN after it happen in that order. */
  steps: ({ kind: 'copy'; copy: Copy } | { kind: 'npm-ci'; line: number; flags: string[] })[];
  env: Record<string, string>;
  labels: Record<string, string>;
  user?: string;
  expose: string[];
  entrypoint?: string[];
  cmd?: string[];
}

class Unsupported extends Error {
  constructor(file: string, line: number, what: string) {
    super(`${file}:${line}: ${what} — test/support/image-layout.ts cannot reproduce it; keep to what it supports or teach it`);
  }
}

/** Splits on whitespace outside double quotes and removes the quotes (enough for `KEY="a b"` and plain words). */
function words(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g)].map(([word]) => word.replace(/"((?:[^"\\]|\\.)*)"/g, (_, inner: string) => inner.replace(/\\(.)/g, '$1')));
}

function keyValues(file: string, line: number, text: string): Record<string, string> {
  return Object.fromEntries(
    words(text).map((word) => {
      const at = word.indexOf('=');
      if (at <= 0) throw new Unsupported(file, line, `"${word}" is not KEY=value (the legacy "KEY value" form is not supported)`);
      return [word.slice(0, at), word.slice(at + 1)];
    }),
  );
}

function execForm(file: string, line: number, keyword: string, text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  } catch {
    // reported below
  }
  throw new Unsupported(file, line, `${keyword} in shell form (use the exec form, a JSON array)`);
}

/** The stages of a Dockerfile, in order; the last one is the image. */
export function parseDockerfile(text: string, file = 'Dockerfile'): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    let instruction = lines[index]!.trim();
    if (!instruction || instruction.startsWith('#')) continue;
    // Continuations; comment lines inside them are dropped, as Docker does.
    while (instruction.endsWith('\\') && index + 1 < lines.length) {
      const next = lines[++index]!.trim();
      instruction = `${instruction.slice(0, -1).trimEnd()} ${next.startsWith('#') ? '' : next}`.trimEnd();
    }
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(instruction) ?? [];
    const stage = stages.at(-1);
    if (keyword.toUpperCase() !== 'FROM' && !stage) throw new Unsupported(file, line, `${keyword} before the first FROM`);
    switch (keyword.toUpperCase()) {
      case 'FROM': {
        const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
        if (!match || match[1]!.startsWith('--')) throw new Unsupported(file, line, `FROM ${rest}`);
        stages.push({ base: match[1]!, name: match[2], steps: [], env: {}, labels: {}, expose: [] });
        break;
      }
      case 'WORKDIR':
        if (!rest.startsWith('/')) throw new Unsupported(file, line, `a relative WORKDIR (${rest})`);
        if (stage!.steps.length) throw new Unsupported(file, line, 'WORKDIR after a COPY or RUN');
        stage!.workdir = posix.normalize(rest);
        break;
      case 'COPY': {
        const args = words(rest);
        let from: string | undefined;
        while (args[0]?.startsWith('--')) {
          const flag = args.shift()!;
          if (!flag.startsWith('--from=')) throw new Unsupported(file, line, `COPY ${flag}`);
          from = flag.slice('--from='.length);
        }
        if (args.length < 2) throw new Unsupported(file, line, `COPY ${rest}`);
        const glob = args.find((arg) => /[*?[\]]/.test(arg));
        if (glob) throw new Unsupported(file, line, `a wildcard in COPY (${glob})`);
        const dest = args.pop()!;
        if (args.length > 1 && !dest.endsWith('/')) throw new Unsupported(file, line, 'several COPY sources into a destination without a trailing /');
        stage!.steps.push({ kind: 'copy', copy: { line, from, sources: args, dest } });
        break;
      }
      case 'RUN': {
        const [npm, ci, ...flags] = words(rest);
        if (npm !== 'npm' || ci !== 'ci' || !flags.every((flag) => /^--[a-z][a-z-]*(=[\w.-]+)?$/.test(flag))) {
          throw new Unsupported(file, line, `RUN ${rest} (only "npm ci --flag ..." is understood)`);
        }
        stage!.steps.push({ kind: 'npm-ci', line, flags });
        break;
      }
      case 'ENV':
        Object.assign(stage!.env, keyValues(file, line, rest));
        break;
      case 'LABEL':
        Object.assign(stage!.labels, keyValues(file, line, rest));
        break;
      case 'USER':
        stage!.user = rest;
        break;
      case 'EXPOSE':
        stage!.expose.push(...words(rest));
        break;
      case 'ENTRYPOINT':
        stage!.entrypoint = execForm(file, line, keyword, rest);
        break;
      case 'CMD':
        stage!.cmd = execForm(file, line, keyword, rest);
        break;
      default:
        throw new Unsupported(file, line, `the ${keyword} instruction`);
    }
  }
  if (!stages.length) throw new Error(`${file}: no FROM`);
  return stages;
}

interface IgnorePattern {
  regex: RegExp;
  exclusion: boolean;
}

/** .dockerignore lines as moby/patternmatcher reads them: cleaned paths, `*`, `?` and `**`; `!` re-includes. */
export function parseDockerignore(text: string, file = '.dockerignore'): IgnorePattern[] {
  return text.split('\n').flatMap((raw, index) => {
    let pattern = raw.trim();
    if (!pattern || pattern.startsWith('#')) return [];
    const exclusion = pattern.startsWith('!');
    if (exclusion) pattern = pattern.slice(1).trim();
    if (/[[\]\\]/.test(pattern)) throw new Unsupported(file, index + 1, `the pattern "${raw.trim()}" (character classes and escapes are not supported)`);
    pattern = posix.normalize(pattern.replace(/^\/+/, '')).replace(/\/+$/, '');
    let source = '';
    for (let at = 0; at < pattern.length; at++) {
      const char = pattern[at]!;
      if (char === '*' && pattern[at + 1] === '*') {
        at++;
        if (pattern[at + 1] === '/') at++;
        source += at + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else if (char === '*') source += '[^/]*';
      else if (char === '?') source += '[^/]';
      else source += char.replace(/[.+^${}()|]/g, '\\$&');
    }
    return [{ regex: new RegExp(`^${source}$`), exclusion }];
  });
}

/** Whether Docker leaves `path` (relative to the context, with `/`) out of the build context: the last pattern that matches it or a parent decides. */
export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = !pattern.exclusion;
  }
  return ignored;
}

async function filesUnder(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [''];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => relative(path, join(entry.parentPath, entry.name)));
}

/**
 * Copies a directory between two stages as hard links: node_modules holds thousands of files, which fs.cp copies
 * slowly, and nothing changes them afterwards (the test checks that the image writes nothing).
 */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
    const source = join(entry.parentPath, entry.name);
    const target = join(to, relative(from, source));
    if (entry.isDirectory()) await mkdir(target, { recursive: true });
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target);
  }
}

export interface NpmCiResult {
  /** `--offline`, or `--prefer-offline` when a tarball was missing from the cache. */
  mode: string;
  output: string;
}

/** `npm ci <flags>` in `dir` from the local cache: never the network unless the cache lacks a tarball. */
export async function npmCi(dir: string, flags: string[]): Promise<NpmCiResult> {
  // Settings of an enclosing `npm run`/`npx` (npm_command, npm_lifecycle_*...) must not leak into this install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(?!config_)/i.test(key)));
  // npm's `#!/usr/bin/env node` should find the Node running the tests, not an older one earlier on PATH.
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
  const run = (mode: string) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      const args = ['ci', ...new Set([...flags, mode, '--no-audit', '--no-fund'])];
      execFile('npm', args, { cwd: dir, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `$ npm ${args.join(' ')}\n${stdout}${stderr}` });
      });
    });
  const offline = await run('--offline');
  if (offline.code === 0) return { mode: '--offline', output: offline.output };
  if (!/ENOTCACHED/.test(offline.output)) throw new Error(`npm ci failed:\n${offline.output}`);
  const online = await run('--prefer-offline');
  if (online.code !== 0) throw new Error(`npm ci failed offline and with --prefer-offline:\n${offline.output}\n${online.output}`);
  return { mode: '--prefer-offline', output: `${online.output}\n(the npm cache lacked a tarball, so npm fetched it)` };
}

export interface ImageLayout {
  stages: Stage[];
  /** The image's configuration: the last stage. */
  image: Stage;
  /** Where the last stage's WORKDIR is reproduced: run ENTRYPOINT from here. */
  appDir: string;
  npm: NpmCiResult[];
}

/** Builds every stage of `repo`'s Dockerfile under `root`: one directory per stage standing for its WORKDIR. */
export async function reproduceImage(repo: string, root: string): Promise<ImageLayout> {
  const stages = parseDockerfile(await readFile(join(repo, 'Dockerfile'), 'utf8'));
  const ignore = parseDockerignore(await readFile(join(repo, '.dockerignore'), 'utf8'));
  const dirs = new Map<Stage, string>();
  const npm: NpmCiResult[] = [];

  const inStage = (stage: Stage, path: string, line: number) => {
    if (!stage.workdir) throw new Unsupported('Dockerfile', line, 'a COPY or RUN without a WORKDIR');
    const absolute = posix.resolve(stage.workdir, path);
    const inside = posix.relative(stage.workdir, absolute);
    if (inside.startsWith('..')) throw new Unsupported('Dockerfile', line, `a path outside WORKDIR ${stage.workdir} (${path})`);
    return join(dirs.get(stage)!, inside);
  };

  for (const [index, stage] of stages.entries()) {
    const dir = join(root, `stage-${index}`);
    await mkdir(dir, { recursive: true });
    dirs.set(stage, dir);
    for (const step of stage.steps) {
      if (step.kind === 'npm-ci') {
        npm.push(await npmCi(inStage(stage, '.', step.line), step.flags));
        continue;
      }
      const { copy } = step;
      const fromStage = copy.from === undefined ? undefined : stages.find((other, at) => other.name === copy.from || String(at) === copy.from);
      if (copy.from !== undefined && (!fromStage || !dirs.has(fromStage))) throw new Unsupported('Dockerfile', copy.line, `COPY --from=${copy.from}, not an earlier stage`);
      for (const source of copy.sources) {
        const contextPath = posix.normalize(source).replace(/^\/+|\/+$/g, '').replace(/^\.$/, '');
        if (!fromStage && contextPath.startsWith('..')) throw new Unsupported('Dockerfile', copy.line, `COPY ${source}, outside the build context`);
        const origin = fromStage ? inStage(fromStage, source, copy.line) : join(repo, contextPath);
        const all = await filesUnder(origin);
        const files = all.filter((file) => fromStage || !isIgnored(ignore, [contextPath, file].filter(Boolean).join('/')));
        if (!files.length) throw new Error(`Dockerfile:${copy.line}: COPY ${source}: nothing left after .dockerignore; Docker would fail`);
        const isDir = (await stat(origin)).isDirectory();
        // Docker: a directory's contents go into the destination; a file goes into it when it ends in / (or there are several sources).
        const target = isDir || copy.dest.endsWith('/') ? join(inStage(stage, copy.dest, copy.line), isDir ? '' : basename(source)) : inStage(stage, copy.dest, copy.line);
        if (isDir && fromStage) {
          await linkTree(origin, target);
          continue;
        }
        for (const file of files) {
          await mkdir(dirname(join(target, file)), { recursive: true });
          await cp(join(origin, file), join(target, file), { verbatimSymlinks: true });
        }
      }
    }
  }
  const image = stages.at(-1)!;
  return { stages, image, appDir: inStage(image, '.', 0), npm };
}
