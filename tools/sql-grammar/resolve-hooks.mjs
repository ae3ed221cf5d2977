// dt-sql-parser's dist is ES modules that import folders and extensionless files (written for bundlers); Node's
// loader refuses both. This resolve hook retries such an import as FILE.js or FOLDER/index.js.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('.') || !['ERR_UNSUPPORTED_DIR_IMPORT', 'ERR_MODULE_NOT_FOUND'].includes(error.code)) throw error;
    for (const candidate of [`${specifier}.js`, `${specifier}/index.js`]) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next form
      }
    }
    throw error;
  }
}
