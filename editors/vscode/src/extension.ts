// Starts `guidelines lsp` for the YAML files of a guidelines_tool project. The server decides
// which files are guideline files (guidelines.yaml and the files of its guideline folder).
import * as path from "path";
import { ExtensionContext, workspace } from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const settings = workspace.getConfiguration("guidelines.lsp");
  const [command, ...args] = settings.get<string[]>("command", ["guidelines", "lsp"]);
  const folder = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const executable = folder && command.includes(path.sep) && !path.isAbsolute(command) ? path.join(folder, command) : command;
  const server: ServerOptions = { command: executable, args, options: { cwd: folder } };
  const options: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "yaml" }],
    initializationOptions: { debounce: settings.get<number>("debounce", 50), impact: settings.get<boolean>("impact", true) },
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*.{yaml,yml}") },
  };
  client = new LanguageClient("guidelines", "Annotation guidelines", server, options);
  await client.start();
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
