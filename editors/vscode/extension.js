// Starts `docket lsp` for .policy files and scenario .toml files. The language server is the
// docket binary itself (crates/lsp in the docket repository); this file only launches it.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('docket');
  const command = config.get('path') || 'docket';
  const documentSelector = [{ scheme: 'file', language: 'docket' }];
  if (config.get('scenarios', true)) {
    // The server answers only for scenario files among them (a `policy = ...` key).
    documentSelector.push({ scheme: 'file', pattern: '**/*.toml' });
  }
  client = new LanguageClient(
    'docket',
    'Docket',
    { command, args: ['lsp'] },
    { documentSelector }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
