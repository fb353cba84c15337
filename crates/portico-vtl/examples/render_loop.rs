//! Renders one template many times (for profiling the engine): `cargo run --release
//! --example render_loop -p portico-vtl`.

use portico_vtl::{Limits, Scope, Template};

fn main() {
    let source = r##"#set($q = '"')#set($names = [])#foreach($i in [1..100])#set($ok = $names.add("item $q$i$q"))#end{"hello": "world", "items": [#foreach($n in $names)"$n"#if($foreach.hasNext),#end#end]}"##;
    let template = Template::parse(source).expect("parses");
    let limits = Limits::default();
    let started = std::time::Instant::now();
    let n = 20_000;
    let mut bytes = 0;
    for _ in 0..n {
        bytes += template.render(&mut Scope::new(), &limits).expect("renders").len();
    }
    println!(
        "{:.1} µs per rendering ({bytes} bytes)",
        started.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
