// The holo extension for VS Code: starts `holo lsp` and connects it to the editor through
// vscode-languageclient. Everything a user sees — diagnostics as they type, hover, completion,
// test states as code lenses with their run commands — comes from the server; this file only
// finds the executable, starts and restarts the server, and reports when it cannot.
"use strict";

const vscode = require("vscode");
const { LanguageClient, RevealOutputChannelOn } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("holo");
  const command = config.get("path") || "holo";
  const args = ["lsp", ...(config.get("serverArgs") || [])];
  // The package is found from the workspace folder, as `holo` finds it from its current folder.
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const options = folder ? { cwd: folder.uri.fsPath } : {};
  return { command, args, options };
}

async function start() {
  output = output || vscode.window.createOutputChannel("holo");
  const server = serverOptions();
  client = new LanguageClient(
    "holo",
    "holo",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "holo" }],
      outputChannel: output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    }
  );
  try {
    // Commands the server lists in `executeCommandProvider` (running a test from its code
    // lens) are registered by the client library and sent back as `workspace/executeCommand`.
    await client.start();
  } catch (err) {
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `Could not start the holo language server (\`${server.command} lsp\`): ${err && err.message ? err.message : err}. ` +
        "Install holo, or set `holo.path` to the holo executable.",
      "Open Settings"
    );
    if (choice === "Open Settings") {
      vscode.commands.executeCommand("workbench.action.openSettings", "holo.path");
    }
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("holo.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("holo.path") || event.affectsConfiguration("holo.serverArgs")) {
        restart();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
