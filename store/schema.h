/*
 * store/schema.h - the records schema and its migrations.
 *
 * Promise: pure data.  The schema is a list of migrations; migration N
 * takes a database from version N-1 to N and is a list of statements in
 * the store's SQL template language (store/sql.h), the same for SQLite
 * and PostgreSQL.  The store applies the missing ones on open, each in
 * one transaction with its row in schema_version, and refuses a
 * database whose version is newer than PB_SCHEMA_VERSION.  A migration,
 * once released, never changes: a change to the schema is a new one.
 * docs/records.md documents every table and column.
 */
#ifndef PB_STORE_SCHEMA_H
#define PB_STORE_SCHEMA_H

#define PB_SCHEMA_VERSION 1

/* The statements of migration `version` (1..PB_SCHEMA_VERSION), ending
 * with NULL; NULL for any other version. */
const char *const *pb_schema_migration(int version);

#endif
