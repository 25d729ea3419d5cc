//! Shaped outputs: what generated code uses to build the JSON an exposure answers from the upstream's body.
//!
//! The generator compiles each output parameter's JSONPath `mapping` into a list of [`Step`]s and each shape into
//! straight-line code that writes the answer with a [`Json`] writer, in the order the spec declares it. Nothing here
//! reads the spec or parses a JSONPath at run time.

use serde_json::Value;

/// One step of a compiled mapping (`$.a[0].b` is `[Key("a"), Index(0), Key("b")]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `.name` or `['name']`: a member of an object.
    Key(&'static str),
    /// `[n]`: an element of an array.
    Index(usize),
    /// `[*]` or `.*`: every element of an array (every member's value of an object).
    Each,
}

/// The value at `path` from `v`, when there is one: a missing member, an index out of range or a step into a value
/// that is not an object or array is none.
pub fn at<'a>(v: Option<&'a Value>, path: &[Step]) -> Option<&'a Value> {
    let mut v = v?;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Object(m)) => m.get(*k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Every value `path` (which has a [`Step::Each`]) matches from `v`, in document order, as JSONPath gives them: a
/// branch that does not reach the end of the path matches nothing.
pub fn all<'a>(v: Option<&'a Value>, path: &[Step]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    if let Some(v) = v {
        collect(v, path, &mut out);
    }
    out
}

fn collect<'a>(v: &'a Value, path: &[Step], out: &mut Vec<&'a Value>) {
    let Some((step, rest)) = path.split_first() else {
        out.push(v);
        return;
    };
    match (step, v) {
        (Step::Key(k), Value::Object(m)) => {
            if let Some(v) = m.get(*k) {
                collect(v, rest, out);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(v) = a.get(*i) {
                collect(v, rest, out);
            }
        }
        (Step::Each, Value::Array(a)) => a.iter().for_each(|v| collect(v, rest, out)),
        (Step::Each, Value::Object(m)) => m.values().for_each(|v| collect(v, rest, out)),
        _ => {}
    }
}

/// `v` when it is an object.
pub fn object(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| v.is_object())
}

/// The elements of `v` when it is an array.
pub fn elements(v: Option<&Value>) -> Option<&[Value]> {
    v.and_then(Value::as_array).map(Vec::as_slice)
}

/// The type an output parameter declares for a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    /// A number without a fractional part.
    Integer,
    Boolean,
    Object,
    Array,
}

impl Kind {
    /// Whether `v` is of this type.
    pub fn fits(self, v: &Value) -> bool {
        match self {
            Kind::String => v.is_string(),
            Kind::Number => v.is_number(),
            Kind::Integer => {
                v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            Kind::Boolean => v.is_boolean(),
            Kind::Object => v.is_object(),
            Kind::Array => v.is_array(),
        }
    }
}

/// Writes one JSON value, members in the order they are written. Commas come by themselves: a key or a value after
/// another in the same object or array is preceded by one.
#[derive(Debug, Default)]
pub struct Json {
    buf: String,
    comma: bool,
}

impl Json {
    pub fn new() -> Self {
        Json::default()
    }

    fn sep(&mut self) {
        if self.comma {
            self.buf.push(',');
        }
    }

    /// `"key":` in the object being written.
    pub fn key(&mut self, key: &str) {
        self.sep();
        // A string's JSON form cannot fail.
        self.buf
            .push_str(&serde_json::to_string(key).unwrap_or_default());
        self.buf.push(':');
        self.comma = false;
    }

    pub fn begin_object(&mut self) {
        self.sep();
        self.buf.push('{');
        self.comma = false;
    }

    pub fn end_object(&mut self) {
        self.buf.push('}');
        self.comma = true;
    }

    pub fn begin_array(&mut self) {
        self.sep();
        self.buf.push('[');
        self.comma = false;
    }

    pub fn end_array(&mut self) {
        self.buf.push(']');
        self.comma = true;
    }

    pub fn null(&mut self) {
        self.literal("null");
    }

    /// JSON text known to be one value (a constant the generator wrote).
    pub fn literal(&mut self, json: &str) {
        self.sep();
        self.buf.push_str(json);
        self.comma = true;
    }

    /// `v` as it is; `null` when there is none.
    pub fn value(&mut self, v: Option<&Value>) {
        match v {
            Some(v) => {
                self.sep();
                self.buf.push_str(&v.to_string());
                self.comma = true;
            }
            None => self.null(),
        }
    }

    /// `v` when it is of type `kind`; `null` otherwise (missing, `null`, or of another type).
    pub fn typed(&mut self, kind: Kind, v: Option<&Value>) {
        self.value(v.filter(|v| kind.fits(v)));
    }

    /// The matched values as an array.
    pub fn values(&mut self, vs: &[&Value]) {
        self.begin_array();
        for v in vs {
            self.value(Some(v));
        }
        self.end_array();
    }

    /// The JSON written.
    pub fn finish(self) -> String {
        self.buf
    }
}

impl crate::client::Response {
    /// The response with its JSON body replaced by what `shape` writes from it (a shaped output); status and
    /// headers are kept. A response without a JSON body (204, plain text) is left as it is. (Here rather than in
    /// `client`, whose source a vendored client inlines on its own.)
    pub fn shape(
        mut self,
        shape: impl FnOnce(Option<&Value>, &mut Json),
    ) -> Result<crate::client::Response, crate::client::Error> {
        use crate::client::{Error, JsonBody};
        let Some(body) = &self.body else {
            return Ok(self);
        };
        let value: Value = serde_json::from_slice(body.as_bytes())
            .map_err(|e| Error::InvalidResponse(format!("the body cannot be read: {e}")))?;
        let mut out = Json::new();
        shape(Some(&value), &mut out);
        let shaped = JsonBody::new(bytes::Bytes::from(out.finish()))
            .map_err(|e| Error::InvalidResponse(format!("the shaped body is not JSON: {e}")))?;
        self.body = Some(shaped);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shaping_replaces_the_json_body_and_keeps_status_headers_and_empty_answers() {
        use crate::client::{JsonBody, Response, ResponseHeaders};
        let response = |body: Option<&'static str>| Response {
            status: 200,
            headers: ResponseHeaders {
                total_number: Some("3".into()),
                ..Default::default()
            },
            body: body.map(|b| JsonBody::new(bytes::Bytes::from_static(b.as_bytes())).unwrap()),
            raw: None,
        };
        let shaped = response(Some(r#"{"a":{"b":"x"},"n":1}"#))
            .shape(|v, out| {
                out.begin_object();
                out.key("b");
                out.typed(Kind::String, at(v, &[Step::Key("a"), Step::Key("b")]));
                out.key("missing");
                out.typed(Kind::Number, at(v, &[Step::Key("nope")]));
                out.end_object();
            })
            .unwrap();
        assert_eq!(shaped.status, 200);
        assert_eq!(shaped.headers.total_number.as_deref(), Some("3"));
        assert_eq!(shaped.body.unwrap().get(), r#"{"b":"x","missing":null}"#);
        let empty = response(None).shape(|_, out| out.null()).unwrap();
        assert!(empty.body.is_none());
    }

    use super::*;
    use serde_json::json;

    fn ship() -> Value {
        json!({
            "imo_number": "IMO-1",
            "year_built": 2001,
            "dimensions": {"length_overall": 210.5},
            "crew": [{"name": "Ana", "rank": "captain"}, {"name": "Bo"}, {"rank": "cook"}],
            "tags": ["a", "b"],
        })
    }

    #[test]
    fn at_follows_keys_and_indexes_and_stops_at_anything_else() {
        let v = ship();
        let v = Some(&v);
        assert_eq!(at(v, &[]), v);
        assert_eq!(
            at(v, &[Step::Key("dimensions"), Step::Key("length_overall")]),
            Some(&json!(210.5))
        );
        assert_eq!(
            at(v, &[Step::Key("crew"), Step::Index(0), Step::Key("name")]),
            Some(&json!("Ana"))
        );
        assert_eq!(at(v, &[Step::Key("crew"), Step::Index(9)]), None);
        assert_eq!(at(v, &[Step::Key("missing"), Step::Key("x")]), None);
        assert_eq!(at(v, &[Step::Key("tags"), Step::Key("x")]), None);
        assert_eq!(at(v, &[Step::Key("imo_number"), Step::Index(0)]), None);
        assert_eq!(at(None, &[]), None);
    }

    #[test]
    fn all_collects_what_a_wildcard_matches_and_skips_branches_that_miss() {
        let v = ship();
        let v = Some(&v);
        let names = all(v, &[Step::Key("crew"), Step::Each, Step::Key("name")]);
        assert_eq!(names, [&json!("Ana"), &json!("Bo")]);
        assert_eq!(all(v, &[Step::Key("tags"), Step::Each]).len(), 2);
        assert!(all(v, &[Step::Key("missing"), Step::Each]).is_empty());
        assert!(all(v, &[Step::Key("imo_number"), Step::Each]).is_empty());
        let nested = json!({"a": [{"b": [1, 2]}, {"b": [3]}]});
        let flat = all(
            Some(&nested),
            &[Step::Key("a"), Step::Each, Step::Key("b"), Step::Each],
        );
        assert_eq!(flat, [&json!(1), &json!(2), &json!(3)]);
    }

    #[test]
    fn kinds_accept_only_their_type() {
        assert!(Kind::String.fits(&json!("x")));
        assert!(!Kind::String.fits(&json!(1)));
        assert!(Kind::Number.fits(&json!(1.5)));
        assert!(Kind::Integer.fits(&json!(2)));
        assert!(Kind::Integer.fits(&json!(2.0)));
        assert!(!Kind::Integer.fits(&json!(2.5)));
        assert!(!Kind::Boolean.fits(&json!("true")));
        assert!(Kind::Object.fits(&json!({})));
        assert!(Kind::Array.fits(&json!([])));
        assert!(!Kind::Object.fits(&Value::Null));
    }

    #[test]
    fn the_writer_keeps_member_order_and_places_commas() {
        let v = ship();
        let v = Some(&v);
        let mut out = Json::new();
        out.begin_object();
        out.key("z");
        out.typed(Kind::String, at(v, &[Step::Key("imo_number")]));
        out.key("a");
        out.typed(Kind::String, at(v, &[Step::Key("year_built")]));
        out.key("crew");
        out.begin_array();
        for v in elements(at(v, &[Step::Key("crew")])).unwrap_or_default() {
            out.begin_object();
            out.key("n");
            out.typed(Kind::String, at(Some(v), &[Step::Key("name")]));
            out.end_object();
        }
        out.end_array();
        out.key("tags");
        out.values(&all(v, &[Step::Key("tags"), Step::Each]));
        out.key("k");
        out.literal(r#"{"x":1}"#);
        out.key("q\"");
        out.value(None);
        out.end_object();
        let text = out.finish();
        assert_eq!(
            text,
            r#"{"z":"IMO-1","a":null,"crew":[{"n":"Ana"},{"n":"Bo"},{"n":null}],"tags":["a","b"],"k":{"x":1},"q\"":null}"#
        );
        serde_json::from_str::<Value>(&text).unwrap();
    }
}
