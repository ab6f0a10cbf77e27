//! One way to run a query on either backend: [`Conn`] takes SQL written once, with `?1`, `?2`
//! placeholders and the subset of SQL that SQLite and PostgreSQL share, binds [`Value`]s and
//! answers [`Row`]s of values. The store's modules write their queries against it, so a query
//! exists once; where the engines differ (claiming work, locking a user), a module asks
//! [`Conn::backend`] or calls a method of [`Conn`] that hides the difference.
//!
//! The shared subset, as the schema files of both backends keep it: integers are 64-bit,
//! booleans are integers 0/1, timestamps are UTC text in one fixed format (so they compare as
//! text in both engines; PostgreSQL's columns use the `"C"` collation), every table has a
//! `rowid` (SQLite's own; an identity column in PostgreSQL) that orders rows by insertion, and
//! `INSERT … ON CONFLICT` replaces SQLite's `INSERT OR …`.

use std::cell::RefCell;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use renderiq_sdk::types::time::parse_utc;

use super::{Error, Result};

/// Which engine a [`Conn`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL database, possibly shared by several servers.
    Postgres,
}

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer (booleans are 0 and 1).
    Int(i64),
    /// Text (timestamps too).
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// Converts a Rust value into a [`Value`] to bind.
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

/// Converts a column's [`Value`] back into a Rust value.
pub trait FromValue: Sized {
    /// `None` when the value has another type.
    fn from_value(v: &Value) -> Option<Self>;
    /// What the column should hold, for the error message.
    const EXPECTED: &'static str;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<Self> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
            const EXPECTED: &'static str = stringify!($t);
        }
    )*};
}
int_value!(i64, i32, u32, u8, u16);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
    const EXPECTED: &'static str = "a boolean (0 or 1)";
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
    const EXPECTED: &'static str = "text";
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            Value::Text(s) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
    const EXPECTED: &'static str = "bytes";
}

/// The one text form of a timestamp in both databases: `2026-01-02 03:04:05.123456789+00:00`
/// (what rusqlite's chrono support has always written, so old files read as they are).
const TIME_FORMAT: &str = "%F %T%.f%:z";

impl ToValue for DateTime<Utc> {
    fn to_value(&self) -> Value {
        Value::Text(self.format(TIME_FORMAT).to_string())
    }
}

impl FromValue for DateTime<Utc> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => parse_time(s),
            Value::Int(secs) => DateTime::from_timestamp(*secs, 0),
            _ => None,
        }
    }
    const EXPECTED: &'static str = "a timestamp";
}

/// Reads the text forms of a timestamp the server has written: `YYYY-MM-DD HH:MM:SS[.f]±HH:MM`,
/// the same with `T`, or without an offset (UTC). Every row a request reads carries several,
/// so the form [`TIME_FORMAT`] writes (`…+00:00`) is read by position, by the SDK's
/// [`parse_utc`]: chrono's format-string parser re-reads its pattern each time (a tenth of a
/// status read's own CPU).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    parse_utc(s).or_else(|| parse_time_any(s))
}

/// Every other form, through chrono's parser.
fn parse_time_any(s: &str) -> Option<DateTime<Utc>> {
    let t = s.len() >= 11 && s.as_bytes()[10] == b'T';
    let with_offset = if t { "%FT%T%.f%#z" } else { "%F %T%.f%#z" };
    if let Ok(dt) = DateTime::parse_from_str(s, with_offset) {
        return Some(dt.with_timezone(&Utc));
    }
    let naive = if t { "%FT%T%.f" } else { "%F %T%.f" };
    NaiveDateTime::parse_from_str(s, naive)
        .ok()
        .map(|dt| Utc.from_utc_datetime(&dt))
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
    const EXPECTED: &'static str = T::EXPECTED;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// The values to bind to `?1`, `?2`, … in order: `args![user_id, limit]`.
macro_rules! args {
    () => { &[] as &[&dyn $crate::store::sql::ToValue] };
    ($($v:expr),+ $(,)?) => { &[$(&$v as &dyn $crate::store::sql::ToValue),+] };
}
pub(crate) use args;

/// One row of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` (from 0) as a `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] naming the column when it is missing or holds another type.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| column_error(format!("no column {i}")))?;
        T::from_value(v).ok_or_else(|| {
            column_error(format!("column {i} holds {v:?}, expected {}", T::EXPECTED))
        })
    }
}

fn column_error(msg: String) -> Error {
    Error::Database(msg.into())
}

/// A failed query, with what the engine said.
#[derive(Debug)]
pub struct QueryError {
    /// A unique index refused the write.
    pub unique_violation: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for QueryError {
    // The engine's error is shown by `Display` already: its own cause comes next.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

impl From<rusqlite::Error> for QueryError {
    fn from(e: rusqlite::Error) -> Self {
        let unique_violation = matches!(
            &e,
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        );
        Self {
            unique_violation,
            source: Box::new(e),
        }
    }
}

impl From<postgres::Error> for QueryError {
    fn from(e: postgres::Error) -> Self {
        let unique_violation = e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION);
        Self {
            unique_violation,
            source: Box::new(e),
        }
    }
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        Error::Database(Box::new(e))
    }
}

/// What the PostgreSQL side of a [`Conn`] needs: the queries of one open transaction.
pub(crate) trait PgTransaction {
    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error>;
    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64, postgres::Error>;
    fn batch_execute(&mut self, sql: &str) -> Result<(), postgres::Error>;
}

/// A connection (or open transaction) of either backend, handed to the closures of
/// [`Store::read`](super::Store) and [`Store::write`](super::Store).
pub struct Conn<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(RefCell<&'a mut (dyn PgTransaction + 'a)>),
}

impl<'a> Conn<'a> {
    pub(crate) fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Self {
            inner: Inner::Sqlite(conn),
        }
    }

    pub(crate) fn postgres(tx: &'a mut (dyn PgTransaction + 'a)) -> Self {
        Self {
            inner: Inner::Postgres(RefCell::new(tx)),
        }
    }

    /// The engine behind this connection.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Every row `sql` answers.
    ///
    /// # Errors
    ///
    /// The query failed.
    pub fn query(&self, sql: &str, args: &[&dyn ToValue]) -> Result<Vec<Row>, QueryError> {
        match &self.inner {
            Inner::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let n = stmt.column_count();
                let values: Vec<Value> = args.iter().map(|a| a.to_value()).collect();
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(Row((0..n)
                        .map(|i| sqlite_value(r.get_ref(i)?))
                        .collect::<rusqlite::Result<_>>()?));
                }
                Ok(out)
            }
            Inner::Postgres(tx) => {
                let rows = with_pg_params(args, |p| tx.borrow_mut().query(&pg_sql(sql), p))?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row `sql` answers, if any.
    ///
    /// # Errors
    ///
    /// The query failed.
    pub fn query_opt(&self, sql: &str, args: &[&dyn ToValue]) -> Result<Option<Row>, QueryError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The one value of the first row (a `COUNT(*)`, an `EXISTS`).
    ///
    /// # Errors
    ///
    /// The query failed, answered no row, or a value of another type.
    pub fn query_value<T: FromValue>(&self, sql: &str, args: &[&dyn ToValue]) -> Result<T> {
        self.query_opt(sql, args)?
            .ok_or_else(|| column_error(format!("no row answered: {sql}")))?
            .get(0)
    }

    /// Runs `sql` and answers how many rows it changed.
    ///
    /// # Errors
    ///
    /// The statement failed.
    pub fn execute(&self, sql: &str, args: &[&dyn ToValue]) -> Result<u64, QueryError> {
        match &self.inner {
            Inner::Sqlite(conn) => {
                let values: Vec<Value> = args.iter().map(|a| a.to_value()).collect();
                let n = conn
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(values.iter()))?;
                Ok(n as u64)
            }
            Inner::Postgres(tx) => Ok(with_pg_params(args, |p| {
                tx.borrow_mut().execute(&pg_sql(sql), p)
            })?),
        }
    }

    /// Runs several statements without arguments (a schema file).
    ///
    /// # Errors
    ///
    /// A statement failed.
    pub fn execute_batch(&self, sql: &str) -> Result<(), QueryError> {
        match &self.inner {
            Inner::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Inner::Postgres(tx) => Ok(tx.borrow_mut().batch_execute(sql)?),
        }
    }

    /// `" FOR UPDATE"` on PostgreSQL, nothing on SQLite (whose writers are serial already): the
    /// end of a `SELECT` whose rows the transaction goes on to change on the strength of what it
    /// read.
    pub fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// `" FOR UPDATE SKIP LOCKED"` on PostgreSQL, nothing on SQLite: the end of a `SELECT` that
    /// claims work (renders, deliveries), so that servers sharing the database each take other
    /// rows instead of waiting for one another.
    pub fn skip_locked(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Serialises this transaction with every other one that locks the same user, until it
    /// ends: a read-check-write on the user's rows (balance, pending renders, webhooks, a
    /// refresh token family) then cannot interleave with another. SQLite writers are serial
    /// already (`BEGIN IMMEDIATE`), so there this does nothing; PostgreSQL locks the user's row.
    ///
    /// # Errors
    ///
    /// The lock could not be taken.
    pub fn lock_user(&self, user_id: &str) -> Result<(), QueryError> {
        if self.backend() == Backend::Postgres {
            self.query(
                "SELECT id FROM users WHERE id = ?1 FOR UPDATE",
                args![user_id],
            )?;
        }
        Ok(())
    }
}

/// Runs `f` with `args` as the parameters of a PostgreSQL statement.
fn with_pg_params<T>(
    args: &[&dyn ToValue],
    f: impl FnOnce(&[&(dyn postgres::types::ToSql + Sync)]) -> T,
) -> T {
    let values: Vec<Value> = args.iter().map(|a| a.to_value()).collect();
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect();
    f(&params)
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Value> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // No column of the schema is REAL; an aggregate may be.
        ValueRef::Real(f) => Value::Int(f as i64),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::NUMERIC | Type::FLOAT8 => (*i as f64).to_sql(&Type::FLOAT8, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
                | Type::BYTEA
        )
    }

    postgres::types::to_sql_checked!();
}

/// Reads a PostgreSQL row into values, by column type.
fn pg_row(r: &postgres::Row) -> Result<Row, QueryError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            _ => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(out))
}

/// The statement in PostgreSQL's placeholder form: `?7` becomes `$7` (outside quotes).
fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollar_numbers_outside_quotes() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c = '?' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $12"
        );
    }

    #[test]
    fn timestamps_read_back_in_every_form_the_server_wrote() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(DateTime::<Utc>::from_value(&t.to_value()), Some(t));
        for s in [
            "2026-01-02 03:04:05+00:00",
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05",
            "2026-01-02 03:04:05.000",
            "2026-01-02 03:04:05.000+00:00",
        ] {
            assert_eq!(
                DateTime::<Utc>::from_value(&Value::Text(s.into())),
                Some(t),
                "{s}"
            );
        }
    }

    #[test]
    fn the_written_form_is_read_by_position_exactly_as_chrono_reads_it() {
        let cases = [
            "2026-01-02 03:04:05+00:00",
            "2026-01-02 03:04:05.1+00:00",
            "2026-01-02 03:04:05.123456789+00:00",
            "1999-12-31 23:59:59.000001+00:00",
        ];
        for s in cases {
            let fast = parse_utc(s);
            assert!(fast.is_some(), "{s}");
            assert_eq!(fast, parse_time_any(s), "{s}");
        }
        let t =
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::nanoseconds(7);
        assert_eq!(parse_utc(&t.format(TIME_FORMAT).to_string()), Some(t));
        assert_eq!(
            parse_utc("2026-01-02T03:04:05+00:00"),
            parse_time_any("2026-01-02T03:04:05+00:00")
        );
        // Anything else is left to chrono (or refused): other offsets, bad fields.
        for s in [
            "2026-01-02 03:04:05+01:00",
            "2026-02-30 03:04:05+00:00",
            "2026-01-02 24:04:05+00:00",
            "2026-01-02 03:04:05.+00:00",
            "2026-01-02 03:04:05.1234567890+00:00",
            "2026-01-0x 03:04:05+00:00",
            "+00:00",
        ] {
            assert_eq!(parse_utc(s), None, "{s}");
        }
        assert_eq!(
            parse_time("2026-01-02 04:04:05+01:00"),
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap())
        );
    }

    #[test]
    fn a_column_of_another_type_is_an_error_naming_it() {
        let row = Row(vec![Value::Text("x".into())]);
        let e = row.get::<i64>(0).unwrap_err().to_string();
        assert!(e.contains("column 0") && e.contains("expected i64"), "{e}");
        assert_eq!(row.get::<Option<String>>(0).unwrap().as_deref(), Some("x"));
    }
}
