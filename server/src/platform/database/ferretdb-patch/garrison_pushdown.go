// Added to FerretDB v1.24.2's SQLite backend by Garrison before it is built
// (server/src/platform/database/ferretdb-patches.ts says why).
//
// garrisonWhereClause turns the conditions of a filter that SQLite can check
// into a WHERE clause. The clause only has to select a SUPERSET of the matching
// documents: the handler applies the whole filter to every returned row
// afterwards (common.FilterIterator). So a condition it does not understand is
// simply left out, and each condition it writes must never drop a document
// MongoDB would match:
//   - `_id` equal to a string or ObjectID, or `_id: {$in: [...]}` of those;
//   - a top-level field equal to a plain string or a boolean, or `{$in: [...]}`
//     of those, or null. MongoDB also matches arrays holding the value (and, for
//     null, missing fields), so arrays (JSON text starting with '[') and, for
//     null, SQL NULL are always let through.
// Strings are pushed down only when they are printable ASCII without characters
// JSON encoders may escape differently, so the stored text and the argument are
// byte-for-byte the same. Field names must be plain identifiers.

package sqlite

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// garrisonMaxInPushdown bounds the SQL parameters of one IN (...) condition.
const garrisonMaxInPushdown = 1000

var (
	garrisonFieldName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	garrisonPlainString = regexp.MustCompile(`^[ !#-%'-;=?-\[\]-~]*$`)
)

func garrisonWhereClause(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	var conditions []string
	var args []any

	for _, key := range filter.Keys() {
		value := must.NotFail(filter.Get(key))

		var condition string
		var conditionArgs []any

		if key == "_id" {
			condition, conditionArgs = garrisonIDCondition(value)
		} else if garrisonFieldName.MatchString(key) {
			condition, conditionArgs = garrisonFieldCondition(key, value)
		}

		if condition != "" {
			conditions = append(conditions, condition)
			args = append(args, conditionArgs...)
		}
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}

func garrisonIDCondition(value any) (string, []any) {
	switch value := value.(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(`%s = ?`, metadata.IDColumn), []any{garrisonJSON(value)}
	case *types.Document:
		values := garrisonInValues(value)
		if values == nil {
			return "", nil
		}

		args := make([]any, 0, len(values))

		for _, v := range values {
			switch v.(type) {
			case string, types.ObjectID:
				args = append(args, garrisonJSON(v))
			default:
				return "", nil
			}
		}

		return fmt.Sprintf(`%s IN (%s)`, metadata.IDColumn, garrisonPlaceholders(len(args))), args
	}

	return "", nil
}

func garrisonFieldCondition(key string, value any) (string, []any) {
	column := fmt.Sprintf(`%s->'%s'`, metadata.DefaultColumn, key)
	// JSON text of an array starts with '[', and no JSON text starts with '\'.
	arrays := fmt.Sprintf(`(%s >= '[' AND %s < ']')`, column, column)

	if _, ok := value.(types.NullType); ok {
		return fmt.Sprintf(`(%s = 'null' OR %s IS NULL OR %s)`, column, column, arrays), nil
	}

	if garrisonPlainScalar(value) {
		return fmt.Sprintf(`(%s = ? OR %s)`, column, arrays), []any{garrisonJSON(value)}
	}

	document, ok := value.(*types.Document)
	if !ok {
		return "", nil
	}

	values := garrisonInValues(document)
	if values == nil {
		return "", nil
	}

	args := make([]any, 0, len(values))

	for _, v := range values {
		if !garrisonPlainScalar(v) {
			return "", nil
		}

		args = append(args, garrisonJSON(v))
	}

	return fmt.Sprintf(`(%s IN (%s) OR %s)`, column, garrisonPlaceholders(len(args)), arrays), args
}

// garrisonInValues returns the values of a `{$in: [...]}` document, or nil for anything else.
func garrisonInValues(document *types.Document) []any {
	if document.Len() != 1 {
		return nil
	}

	in, err := document.Get("$in")
	if err != nil {
		return nil
	}

	array, ok := in.(*types.Array)
	if !ok || array.Len() == 0 || array.Len() > garrisonMaxInPushdown {
		return nil
	}

	values := make([]any, array.Len())
	for i := range values {
		values[i] = must.NotFail(array.Get(i))
	}

	return values
}

func garrisonPlainScalar(value any) bool {
	switch value := value.(type) {
	case bool:
		return true
	case string:
		return garrisonPlainString.MatchString(value)
	}

	return false
}

func garrisonJSON(value any) string {
	return string(must.NotFail(sjson.MarshalSingleValue(value)))
}

func garrisonPlaceholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
