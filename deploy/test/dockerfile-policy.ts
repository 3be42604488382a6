import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/** What this project asks of an app image beyond a valid Dockerfile; each rule names why. */
export interface ImagePolicy {
  baseImage: string;
  port: number;
}

interface Stage {
  name: string | null;
  instructions: Instruction[];
}

function stagesOf(text: string): { stages: Stage[]; args: Map<string, string> } {
  const dockerfile = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  // Only ARGs before the first FROM can name a base image.
  const firstFrom = dockerfile.getFROMs()[0]?.getRange().start.line ?? Infinity;
  for (const arg of dockerfile.getARGs()) {
    const property = arg.getProperty();
    if (property && arg.getRange().start.line < firstFrom) args.set(property.getName(), property.getValue() ?? '');
  }
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line);
      stages.push({ name: from?.getBuildStage() ?? null, instructions: [instruction] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { stages, args };
}

const expand = (value: string, args: Map<string, string>) =>
  value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args.get(name) ?? `\${${name}}`);

/** The arguments without flags, continuation lines joined. */
const argumentsOf = (i: Instruction) => (i.getArgumentsContent() ?? '').replace(/\s+/g, ' ').trim();

const fromFlag = (i: Instruction) =>
  ('getFlags' in i
    ? (i as Instruction & { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags()
    : []
  )
    .find((flag) => flag.getName() === 'from')
    ?.getValue() ?? null;

/** Problems, one line each with its line number; empty when the Dockerfile follows the policy. */
export function imagePolicyProblems(text: string, policy: ImagePolicy): string[] {
  const problems: string[] = [];
  const { stages, args } = stagesOf(text);
  const at = (i: Instruction, message: string) => problems.push(`line ${i.getRange().start.line + 1}: ${message}`);
  const names = new Set<string>();

  for (const stage of stages) {
    const from = stage.instructions[0];
    const image = expand(argumentsOf(from).split(/\s+/)[0], args);
    if (!names.has(image) && image !== policy.baseImage)
      at(from, `FROM ${image}: every stage starts from ${policy.baseImage} or an earlier stage`);
    if (stage.name) names.add(stage.name);

    for (const i of stage.instructions.slice(1)) {
      const keyword = i.getKeyword();
      const content = argumentsOf(i);
      if (keyword === 'ADD') at(i, 'ADD: use COPY for files (ADD also fetches URLs and unpacks archives)');
      if (keyword === 'WORKDIR' && !content.startsWith('/')) at(i, 'WORKDIR must be an absolute path');
      if (keyword === 'COPY') {
        const source = fromFlag(i);
        if (source && !names.has(source)) at(i, `COPY --from=${source}: no earlier stage has that name`);
      }
      if (keyword !== 'RUN') continue;
      if (/\bsudo\b/.test(content)) at(i, 'RUN sudo: the build already runs as root');
      if (/\bnpm (install|i)\b/.test(content)) at(i, 'npm install: use npm ci, which installs exactly the lock file');
      if (/\bapt-get install\b/.test(content)) {
        if (!/\s-y\b/.test(content)) at(i, 'apt-get install without -y waits for an answer');
        if (!content.includes('--no-install-recommends')) at(i, 'apt-get install without --no-install-recommends');
        const packages = content
          .split(/apt-get install/)[1]
          .split(/&&|;/)[0]
          .split(/\s+/)
          .filter((word) => word && !word.startsWith('-') && word !== '\\');
        for (const pkg of packages)
          if (!pkg.includes('=')) at(i, `apt-get install ${pkg}: pin its version (${pkg}=<version>)`);
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(content))
          at(i, 'apt-get install: remove /var/lib/apt/lists in the same RUN');
      }
    }
  }

  const final = stages[stages.length - 1];
  if (!final) return ['no FROM'];
  const last = (keyword: string) => [...final.instructions].reverse().find((i) => i.getKeyword() === keyword);
  const user = last('USER');
  if (!user || /^(root|0)(:|$)/.test(argumentsOf(user)))
    problems.push('the final stage must switch to a non-root USER');
  const healthcheck = last('HEALTHCHECK');
  if (!healthcheck || /^NONE\b/i.test(argumentsOf(healthcheck))) problems.push('the final stage needs a HEALTHCHECK');
  else if (!/\bCMD \[/.test(argumentsOf(healthcheck))) at(healthcheck, 'HEALTHCHECK CMD must use the exec (JSON) form');
  const entrypoint = last('ENTRYPOINT');
  if (!entrypoint || !/^\["[^"]*tini"/.test(argumentsOf(entrypoint)))
    problems.push('ENTRYPOINT must run tini (exec form), which forwards SIGTERM and reaps zombies');
  const cmd = last('CMD');
  if (!cmd || !argumentsOf(cmd).startsWith('[')) problems.push('CMD must use the exec (JSON) form');
  const expose = last('EXPOSE');
  if (!expose || argumentsOf(expose).trim() !== String(policy.port))
    problems.push(`the final stage must EXPOSE ${policy.port}, the app's port`);
  return problems;
}

/** `COPY --from=<stage> <sources> <destination>` of the final stage, for checking what the image holds. */
export function finalStageCopies(text: string): { from: string | null; sources: string[]; destination: string }[] {
  const { stages } = stagesOf(text);
  return stages[stages.length - 1].instructions
    .filter((i) => i.getKeyword() === 'COPY')
    .map((i) => {
      const paths = argumentsOf(i).split(' ');
      return { from: fromFlag(i), sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
    });
}

/** The RUN commands of a named stage. */
export function stageRuns(text: string, name: string): string[] {
  const stage = stagesOf(text).stages.find((s) => s.name === name);
  return (stage?.instructions ?? []).filter((i) => i.getKeyword() === 'RUN').map(argumentsOf);
}
