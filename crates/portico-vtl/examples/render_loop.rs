//! Renders templates many times (for profiling the engine): `cargo run --release
//! --example render_loop -p portico-vtl [TEMPLATE]`; without an argument, the response
//! template of `scripts/bench`'s mock-vtl (without its `$util`), and its two loops apart.

use portico_vtl::{Limits, Scope, Template};

fn time(label: &str, source: &str) {
    let template = Template::parse(source).expect("parses");
    let limits = Limits::default();
    // The best of ten batches: the machine's other work only ever adds time.
    let n = std::env::var("RENDERINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let mut bytes = 0;
    let mut best = f64::MAX;
    let batches = if n < 2_000 { 1 } else { 10 };
    for _ in 0..batches {
        let started = std::time::Instant::now();
        for _ in 0..n {
            bytes = template.render(&mut Scope::new(), &limits).expect("renders").len();
        }
        best = best.min(started.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    println!("{label}: {best:.1} µs per rendering ({bytes} bytes)");
}

fn main() {
    if let Some(source) = std::env::args().nth(1) {
        return time("argument", &source);
    }
    let build = r##"#set($q = '"')#set($names = [])#foreach($i in [1..100])#set($ok = $names.add("item $q$i$q"))#end"##;
    let walk = r##"{"hello": "world", "items": [#foreach($n in $names)"$n"#if($foreach.hasNext),#end#end]}"##;
    time("whole", &format!("{build}{walk}"));
    time("build", build);
    time("walk", &format!("#set($names = [1..100]){walk}"));
    time("empty loop", "#foreach($i in [1..100])#end");
    time("text loop", "#foreach($i in [1..100])x#end");
    time("ref loop", "#foreach($i in [1..100])$i#end");
    time("set loop", "#foreach($i in [1..100])#set($x = $i)#end");
}
