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
 * 2. The `_id` condition is pushed down whatever else the filter holds, and
 *    `_id: { $in: [...] }` is pushed down as `IN (...)`. Upstream pushed `_id`
 *    down only when it was the filter's one key. This is safe because the
 *    handler filters every row the backend returns with the full filter again
 *    (common.FilterIterator), so the SQL only has to return a superset.
 *
 * Bump FERRETDB_PATCH_LEVEL whenever this list changes: it is part of the
 * cache path, so every machine rebuilds.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export const FERRETDB_PATCH_LEVEL = 'garrison.3';

interface Edit {
  file: string;
  find: string;
  replace: string;
}

const ID_PUSHDOWN_GO = `// Added by Garrison (server/src/platform/database/ferretdb-patches.ts).

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// garrisonMaxInPushdown bounds the SQL parameters of one IN (...) pushdown.
const garrisonMaxInPushdown = 1000

// garrisonIDWhereClause returns a WHERE clause selecting a superset of the documents the filter
// matches, using the _id index, or "" when the filter has no usable _id condition.
// The handler applies the whole filter to every returned row afterwards.
func garrisonIDWhereClause(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	v, err := filter.Get("_id")
	if err != nil {
		return "", nil
	}

	switch v := v.(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
	case *types.Document:
		if v.Len() != 1 {
			return "", nil
		}

		in, err := v.Get("$in")
		if err != nil {
			return "", nil
		}

		values, ok := in.(*types.Array)
		if !ok || values.Len() == 0 || values.Len() > garrisonMaxInPushdown {
			return "", nil
		}

		args := make([]any, 0, values.Len())

		for i := 0; i < values.Len(); i++ {
			value := must.NotFail(values.Get(i))
			switch value.(type) {
			case string, types.ObjectID:
				args = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))
			default:
				return "", nil
			}
		}

		placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")

		return fmt.Sprintf(\` WHERE %s IN (%s)\`, metadata.IDColumn, placeholders), args
	}

	return "", nil
}
`;

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
    replace: `	// Garrison: push the _id condition down whatever else the filter holds (see garrison_id_pushdown.go).
	whereClause, args = garrisonIDWhereClause(params.Filter)
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
    replace: `	// Garrison: the same _id pushdown as Query (see garrison_id_pushdown.go).
	whereClause, args = garrisonIDWhereClause(params.Filter)
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
  await fs.writeFile(path.join(sourceDir, 'internal/backends/sqlite/garrison_id_pushdown.go'), ID_PUSHDOWN_GO);
}
