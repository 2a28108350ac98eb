/** A table's header row from its column titles; an empty title leaves that column's header blank (e.g. an actions column). */
import { Table } from '@mantine/core';

export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((title, index) => (title ? <Table.Th key={index}>{title}</Table.Th> : <Table.Th key={index} />))}
      </Table.Tr>
    </Table.Thead>
  );
}
