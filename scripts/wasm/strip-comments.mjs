// Drop the comments from the browser builds' JavaScript (called by build.sh).
//
//   node scripts/wasm/strip-comments.mjs <typescript module dir> <pkg dir>...
//
// wasm-bindgen writes every function's doc comment into setpoll.js as well
// as into setpoll.d.ts, and tsc keeps the comments of our own entries: in a
// browser they are downloaded on every page load (40% of the gzipped glue)
// and read by nobody, since editors take the documentation from the .d.ts
// files, which keep it. TypeScript's own printer removes them
// (`removeComments`, target and module ESNext: the code itself is printed
// back unchanged), so no string or regular expression is ever mistaken for
// a comment. Each file is parsed again afterwards and must have the same
// statements and exports, and no comment may remain.
//
// The Node build keeps its comments: nothing is downloaded there.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const [tsDir, ...dirs] = process.argv.slice(2);
if (!tsDir || dirs.length === 0) {
  console.error("usage: strip-comments.mjs <typescript module dir> <pkg dir>...");
  process.exit(2);
}
const ts = createRequire(join(resolve(tsDir), "noop.js"))("typescript");

/** The top-level statement kinds and exported names of a module: what must not change. */
function shape(name, text) {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.ESNext, false, ts.ScriptKind.JS);
  const kinds = file.statements.map((s) => ts.SyntaxKind[s.kind]);
  const exported = [];
  for (const s of file.statements) {
    const mods = ts.canHaveModifiers(s) ? ts.getModifiers(s) ?? [] : [];
    if (mods.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      exported.push(s.name?.text ?? ts.SyntaxKind[s.kind]);
    } else if (ts.isExportDeclaration(s) || ts.isExportAssignment(s)) {
      exported.push(s.getText(file));
    }
  }
  return JSON.stringify({ kinds, exported });
}

/** Whether any comment is left, found by the scanner (which knows strings and regexps). */
function hasComment(text) {
  const file = ts.createSourceFile("x.js", text, ts.ScriptTarget.ESNext, true, ts.ScriptKind.JS);
  let found = false;
  const visit = (node) => {
    if (found) return;
    const ranges = [
      ...(ts.getLeadingCommentRanges(text, node.pos) ?? []),
      ...(ts.getTrailingCommentRanges(text, node.end) ?? []),
    ];
    if (ranges.length > 0) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

let before = 0;
let after = 0;
for (const dir of dirs) {
  for (const name of readdirSync(dir).sort()) {
    // setpoll_bg_wasm.js is one string constant: nothing to strip, 260 KB to print.
    if (!name.endsWith(".js") || name === "setpoll_bg_wasm.js") continue;
    const path = join(dir, name);
    const text = readFileSync(path, "utf8");
    const out = ts.transpileModule(text, {
      fileName: name,
      compilerOptions: {
        allowJs: true,
        removeComments: true,
        target: ts.ScriptTarget.ESNext,
        module: ts.ModuleKind.ESNext,
        // Print the module as it is: no "use strict", no helpers.
        noEmitHelpers: true,
        verbatimModuleSyntax: false,
      },
      reportDiagnostics: true,
    });
    if (out.diagnostics?.length) {
      const msg = out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      throw new Error(`${path}: ${msg.join("; ")}`);
    }
    const stripped = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
    if (shape(name, stripped) !== shape(name, text)) {
      throw new Error(`${path}: stripping comments changed the module's statements or exports`);
    }
    if (hasComment(stripped)) {
      throw new Error(`${path}: a comment is left after stripping`);
    }
    writeFileSync(path, stripped);
    before += gzipSync(text, { level: 9 }).length;
    after += gzipSync(stripped, { level: 9 }).length;
  }
}
console.log(
  `strip-comments: ${dirs.join(", ")}: glue ${(before / 1024).toFixed(1)} -> ${(after / 1024).toFixed(1)} KiB gzipped`,
);
