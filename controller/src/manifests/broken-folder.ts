/**
 * A service folder broken by hand (a file that does not parse, or that Kubidu
 * cannot render over) must not block the deploy or rollback meant to repair it:
 * the folder is then rendered whole from the desired state instead of edited in
 * place, and the caller says so in the commit. A desired state that cannot be
 * rendered even into an empty folder is still the deployment's own error.
 */
import { isMap, parseDocument } from 'yaml';
import { ManifestRenderError, renderServiceFiles, serviceDir, type DesiredState, type ExistingFile } from './render.js';
import { describeYamlError } from './yaml-problem.js';

/** Why the folder on the tip could not be edited in place. */
export interface BrokenFolder {
  /** `apps/<project>/<service>`. */
  folder: string;
  /** One line: the file and what is wrong with it. */
  problem: string;
}

/** The files to write, and the broken folder they replace (null: the folder was edited in place). */
export interface FolderRender {
  files: Map<string, string>;
  broken: BrokenFolder | null;
}

/** The folder's files parsed once, and the first that does not parse as one YAML mapping (one line), or null. */
function parseFolder(existing: Map<string, string | null>): { docs: Map<string, ExistingFile>; problem: string | null } {
  const docs = new Map<string, ExistingFile>();
  for (const [path, content] of existing) {
    if (content == null) {
      docs.set(path, null);
      continue;
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    const doc = parseDocument(content);
    if (doc.errors.length) return { docs, problem: `${name} does not parse: ${describeYamlError(doc.errors[0])}` };
    if (!isMap(doc.contents)) return { docs, problem: `${name} is not a YAML mapping` };
    docs.set(path, doc);
  }
  return { docs, problem: null };
}

/** The first file of the folder that does not parse as one YAML mapping, described in one line; null when all do. */
export function folderProblem(existing: Map<string, string | null>): string | null {
  return parseFolder(existing).problem;
}

/**
 * Renders the desired state over the folder's current files, or, when those are
 * broken, into an empty folder (every file rewritten from the desired state).
 * Each file is parsed once: the documents that passed the check are the ones edited.
 * `omit`: paths known to render to themselves (not rendered; a folder rewritten whole has them all).
 */
export function renderOrRewrite(existing: Map<string, string | null>, desired: DesiredState, omit?: ReadonlySet<string>): FolderRender {
  const folder = serviceDir(desired.project, desired.service);
  const { docs, problem } = parseFolder(existing);
  if (problem) return { files: renderServiceFiles(new Map(), desired), broken: { folder, problem } };
  try {
    return { files: renderServiceFiles(docs, desired, omit), broken: null };
  } catch (err) {
    if (!(err instanceof ManifestRenderError)) throw err;
    // Throws again when the desired state itself cannot be rendered: that error is the deployment's.
    const files = renderServiceFiles(new Map(), desired);
    return { files, broken: { folder, problem: err.message } };
  }
}
