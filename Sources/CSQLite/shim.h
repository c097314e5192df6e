#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro over a cast Swift cannot import. */
static inline void (*CSQLite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
