//! Renders templates many times (for profiling the engine): `cargo run --release
//! --example render_loop -p portico-vtl [TEMPLATE]`; without an argument, the request and
//! response templates of `scripts/bench`'s mock-vtl (with stand-ins for the data plane's
//! `$input` and `$util`), the response's two loops apart, and a few loop shapes.
//! `RENDERINGS=N` renders N times (under a profiler: `RENDERINGS=1000 ONLY=response`);
//! `ONLY=label` times one of them.

use portico_vtl::{Limits, Object, Scope, Template, Value};

/// `$util` as the data plane has it: `escapeJavaScript` (Commons Lang's), written straight
/// into the output when printed.
struct Util;

impl Object for Util {
    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        Ok(match (method, args) {
            ("escapeJavaScript", [v]) => {
                let mut out = String::new();
                escape(&v.to_java_string(), &mut out);
                Some(Value::str(&out))
            }
            _ => None,
        })
    }

    fn write_call(&self, method: &str, args: &[Value], out: &mut String) -> Option<Result<(), String>> {
        match (method, args) {
            ("escapeJavaScript", [Value::Str(s)]) => {
                escape(s, out);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    fn render(&self) -> String {
        "$util".into()
    }
}

/// A stand-in for the data plane's `escape_javascript_into` (quotes and backslashes only: the
/// bench's strings need no more), with the same shape of work: a scan and a copy.
fn escape(text: &str, out: &mut String) {
    out.reserve(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '\'' | '/') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// `$input` over an empty body: `path` finds nothing.
struct Input;

impl Object for Input {
    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        Ok(match (method, args) {
            ("path", [_]) => Some(Value::Null),
            _ => None,
        })
    }

    fn render(&self) -> String {
        "$input".into()
    }
}

fn time(label: &str, source: &str) {
    if std::env::var("ONLY").is_ok_and(|only| only != label) {
        return;
    }
    let template = Template::parse(source).expect("parses");
    // API Gateway's dialect, as the data plane renders.
    let limits = Limits {
        quiet_nulls: true,
        ..Limits::default()
    };
    // The best of ten batches: the machine's other work only ever adds time.
    let n = std::env::var("RENDERINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    // For `walk`: the list the response's first loop builds (made once, not timed).
    let names = Value::list((1..=100).map(|i| Value::str(&format!("item \"{i}\""))).collect());
    let mut bytes = 0;
    let mut best = f64::MAX;
    let batches = if n < 2_000 { 1 } else { 10 };
    for _ in 0..batches {
        let started = std::time::Instant::now();
        for _ in 0..n {
            let mut scope = Scope::new();
            scope.set("input", Value::object(Input));
            scope.set("util", Value::object(Util));
            if label == "walk" {
                scope.set("names", names.clone());
            }
            bytes = template.render(&mut scope, &limits).expect("renders").len();
        }
        best = best.min(started.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    println!("{label}: {best:.2} µs per rendering ({bytes} bytes)");
}

fn main() {
    if let Some(source) = std::env::args().nth(1) {
        return time("argument", &source);
    }
    let request =
        r##"#set($name = $input.path('$.name'))#if($name == "")#set($name = "world")#end{"statusCode": 200}"##;
    let build = r##"#set($q = '"')#set($names = [])#foreach($i in [1..100])#set($ok = $names.add("item $q$i$q"))#end"##;
    let walk = r##"{"hello": "world", "items": [#foreach($n in $names)"$util.escapeJavaScript($n)"#if($foreach.hasNext),#end#end]}"##;
    time("request", request);
    time("response", &format!("{build}{walk}"));
    time("build", build);
    time("walk", walk);
    time("empty loop", "#foreach($i in [1..100])#end");
    time("text loop", "#foreach($i in [1..100])x#end");
    time("ref loop", "#foreach($i in [1..100])$i#end");
    time("set loop", "#foreach($i in [1..100])#set($x = $i)#end");
}
