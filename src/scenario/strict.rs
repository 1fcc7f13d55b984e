//! Strict reading of scenario JSON (issue 14, item 4): what serde's defaults let through.
//!
//! - [`parse`]: JSON text → `Value`, refusing a key given twice in one object (`serde_json::Value`
//!   silently keeps the last one, so `{"cash":"1","cash":"9"}` would run with 9 while a reader sees
//!   1). Same streaming parser and nesting limit (128) as `serde_json::from_str`, plus one map
//!   lookup per key: time and memory stay linear in the text.
//! - [`decode`]: `Value` → `T` through a deserializer that (a) gives a struct only a JSON object
//!   (derived `Deserialize` also reads an array positionally, so `["x","ccp"]` would be a venue),
//!   and (b) remembers the innermost field path where decoding failed, so an error reads
//!   `venue.insurance_fund: …` rather than `venue: …`.
//!
//! Leaves (strings, numbers, booleans, null) are handed to `serde_json`'s own `&Value`
//! deserializer, so every value decodes exactly as before; only the structure is checked here.

use super::ValidationError;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Where in the document a value sits: a chain of parents, built on the stack while descending
/// and formatted only when an error needs it.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, k) => write!(f, "{k}"),
            Path::Key(p, k) => write!(f, "{p}.{k}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// The path of the first (innermost) failure; outer levels see it already set and keep it.
type Found = RefCell<Option<String>>;

fn note(found: &Found, path: &Path<'_>) {
    let mut f = found.borrow_mut();
    if f.is_none() {
        *f = Some(path.to_string());
    }
}

// ---------------------------------------------------------------------------------------------
// Text → Value, refusing duplicate keys.

/// Parse JSON text into a `Value`; a key repeated within one object is an error at its path.
pub fn parse(text: &[u8]) -> Result<Value, ValidationError> {
    let found = Found::default();
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = Node { path: Path::Root, found: &found }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match found.into_inner() {
        Some(path) => ValidationError { path, message: "this key appears twice in its object".into() },
        None => ValidationError { path: String::new(), message: format!("not valid JSON: {e}") },
    })
}

/// One JSON value at `path` (mirrors `serde_json::Value`'s own visitor, plus the duplicate check).
struct Node<'p> {
    path: Path<'p>,
    found: &'p Found,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity; serde_json's visitor maps them to null the same way.
        Ok(Number::from_f64(x).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Node { path: Path::Index(&self.path, out.len()), found: self.found })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = Path::Key(&self.path, &key);
            if out.contains_key(&key) {
                note(self.found, &at);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let v = map.next_value_seed(Node { path: at, found: self.found })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

// ---------------------------------------------------------------------------------------------
// Value → T, objects only for structs, errors located.

/// [`parse`] then [`decode`]: the page's one way from JSON text to a typed value (issue 16: each
/// other way, `serde_json::from_str` or `from_value`, is a second copy of every type's
/// `Deserialize` in the wasm).
pub fn read<T: de::DeserializeOwned>(text: &str) -> Result<T, ValidationError> {
    decode(&parse(text.as_bytes())?)
}

/// Decode `value` as a `T`; an error names the innermost field that failed (`accounts[0].cash`),
/// or the object for an unknown or missing field (`accounts[0]: unknown field `sise`, …`).
pub fn decode<'a, T: de::Deserialize<'a>>(value: &'a Value) -> Result<T, ValidationError> {
    let found = Found::default();
    T::deserialize(Strict { value, path: Path::Root, found: &found })
        .map_err(|e| ValidationError { path: found.into_inner().unwrap_or_default(), message: e.to_string() })
}

struct Strict<'a, 'p> {
    value: &'a Value,
    path: Path<'p>,
    found: &'p Found,
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl<'a, 'p> Strict<'a, 'p> {
    fn object<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Object(m) => visitor.visit_map(Fields { iter: m.iter(), pending: None, path: self.path, found: self.found }),
            other => Err(de::Error::custom(format_args!("expected an object {{…}}, found {}", kind_of(other)))),
        }
    }
}

/// Structure (objects, lists, options, newtypes) is walked here; every leaf goes to serde_json.
macro_rules! leaf {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
            self.value.$method(visitor)
        }
    )*};
}

impl<'a, 'p> Deserializer<'a> for Strict<'a, 'p> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items { iter: items.iter().enumerate(), path: self.path, found: self.found }),
            Value::Object(_) => self.object(visitor),
            leaf => leaf.deserialize_any(visitor),
        }
    }
    fn deserialize_struct<V: Visitor<'a>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, serde_json::Error> {
        self.object(visitor)
    }
    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.object(visitor)
    }
    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items { iter: items.iter().enumerate(), path: self.path, found: self.found }),
            other => Err(de::Error::custom(format_args!("expected a list […], found {}", kind_of(other)))),
        }
    }
    fn deserialize_tuple<V: Visitor<'a>>(self, _: usize, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'a>>(self, _: &'static str, _: usize, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_newtype_struct<V: Visitor<'a>>(self, _: &'static str, visitor: V) -> Result<V::Value, serde_json::Error> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'a>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, serde_json::Error> {
        // Scenario enums are names (`"ccp"`, `"short"`); serde_json's reading of a string is kept.
        match self.value {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(de::Error::custom(format_args!("expected a name in quotes, found {}", kind_of(other)))),
        }
    }
    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        visitor.visit_unit()
    }

    leaf! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(self, name: &'static str, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.value.deserialize_unit_struct(name, visitor)
    }
}

/// A list's elements, each at `path[i]`.
struct Items<'a, 'p> {
    iter: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: Path<'p>,
    found: &'p Found,
}

impl<'a> SeqAccess<'a> for Items<'a, '_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<Option<T::Value>, serde_json::Error> {
        let Some((i, value)) = self.iter.next() else { return Ok(None) };
        let path = Path::Index(&self.path, i);
        seed.deserialize(Strict { value, path, found: self.found }).map(Some).inspect_err(|_| note(self.found, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's members, each value at `path.key`; a bad key (unknown field) is the object's.
struct Fields<'a, 'p> {
    iter: serde_json::map::Iter<'a>,
    pending: Option<(&'a str, &'a Value)>,
    path: Path<'p>,
    found: &'p Found,
}

impl<'a> MapAccess<'a> for Fields<'a, '_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, serde_json::Error> {
        let Some((key, value)) = self.iter.next() else { return Ok(None) };
        self.pending = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some).inspect_err(|_| note(self.found, &self.path))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, serde_json::Error> {
        let (key, value) = self.pending.take().ok_or_else(|| de::Error::custom("a value was read before its key"))?;
        let path = Path::Key(&self.path, key);
        seed.deserialize(Strict { value, path, found: self.found }).inspect_err(|_| note(self.found, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}
