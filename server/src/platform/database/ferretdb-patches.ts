/**
 * Garrison's changes to the FerretDB source before it is built (see
 * ferretdb-binary.ts). Each is a small, exact edit with the reason; a source
 * that does not contain the expected text fails the build loudly rather than
 * building an unpatched binary under a patched name.
 *
 * 1. `_id` lookups use the `_id` index. FerretDB v1.24.2's SQLite backend
 *    creates the unique index on `_ferretdb_sjson->"_id"` but queries
 *    `_ferretdb_sjson->'$._id'`, an expression SQLite does not match to that
 *    index, so every find, update and delete "by _id" scanned the whole table:
 *    an `updateOne({ _id })` took 20 ms among 1,000 sensors and 47 ms among
 *    3,000 (measured). `->'_id'` means the same path and matches the index.
 * 2. Filters are pushed down to SQL where that is safe (ferretdb-patch/
 *    garrison_pushdown.go): `_id` whatever else the filter holds, `_id: {$in}`,
 *    and top-level fields equal to a plain string, a boolean, null or `{$in}`
 *    of those. Upstream pushed only a filter whose one key was `_id`, so every
 *    other query (a zone's sensors, a token by id hash, a user by name) decoded
 *    every document of the collection in Go: about 0.2 ms per sensor. It is
 *    safe because the handler filters every row the backend returns with the
 *    whole filter again (common.FilterIterator): the SQL only has to return a
 *    superset, so anything it does not understand is left out.
 *
 * Bump FERRETDB_PATCH_LEVEL whenever this list changes: it is part of the
 * cache path, so every machine rebuilds.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_PATCH_LEVEL = 'garrison.4';

interface Edit {
  file: string;
  find: string;
  replace: string;
}

/** Garrison's own Go file, copied into the SQLite backend package. */
const PUSHDOWN_GO = fileURLToPath(new URL('./ferretdb-patch/garrison_pushdown.go', import.meta.url));

const EDITS: Edit[] = [
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    find: `IDColumn = DefaultColumn + "->'$._id'"`,
    replace: `IDColumn = DefaultColumn + "->'_id'"`,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    find: `	// that logic should exist in one place
	// TODO https://github.com/FerretDB/FerretDB/issues/3235
	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
    replace: `	// Garrison: push the _id condition down whatever else the filter holds (see garrison_pushdown.go).
	whereClause, args = garrisonWhereClause(params.Filter)
`,
  },
  {
    // explain() reports what Query does, so a test can see the index being used.
    file: 'internal/backends/sqlite/collection.go',
    find: `	// that logic should exist in one place
	// TODO https://github.com/FerretDB/FerretDB/issues/3235
	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			filterPushdown = true
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}
`,
    replace: `	// Garrison: the same _id pushdown as Query (see garrison_pushdown.go).
	whereClause, args = garrisonWhereClause(params.Filter)
	filterPushdown = whereClause != ""
`,
  },
];

/** Applies Garrison's edits to a writable copy of the FerretDB module source. */
export async function patchFerretDbSource(sourceDir: string): Promise<void> {
  for (const edit of EDITS) {
    const file = path.join(sourceDir, edit.file);
    const text = await fs.readFile(file, 'utf8');
    const at = text.indexOf(edit.find);
    if (at < 0 || text.indexOf(edit.find, at + 1) >= 0) {
      throw new Error(`FerretDB source patch does not apply: ${edit.file} does not contain the expected text exactly once.`);
    }
    await fs.writeFile(file, text.replace(edit.find, () => edit.replace));
  }
  await fs.copyFile(PUSHDOWN_GO, path.join(sourceDir, 'internal/backends/sqlite/garrison_pushdown.go'));
}
