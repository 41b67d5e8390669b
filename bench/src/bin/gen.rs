//! `gen --cases N --seed S [--malformed-per-mille K] > log.jsonl`: a deterministic AliExpress
//! dispute log on standard output, a summary of what was written on standard error.

use docket_bench::generator::{Config, generate};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: gen --cases N --seed S [--malformed-per-mille K] > log.jsonl\n\n\
Writes a JSON Lines log of N AliExpress dispute cases (about 5 events each), interleaved in time\n\
order. The same N, S and K give the same bytes. K malformed lines per thousand (default 1).";

fn parse_args() -> Result<Config, String> {
    let mut cfg = Config { cases: 1000, seed: 1, malformed_per_mille: 1 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse().map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        match arg.as_str() {
            "--cases" => cfg.cases = value("--cases")?,
            "--seed" => cfg.seed = value("--seed")?,
            "--malformed-per-mille" => cfg.malformed_per_mille = value("--malformed-per-mille")?.min(1000),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(cfg) => cfg,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    match generate(&cfg, &mut out).and_then(|s| out.flush().map(|_| s)) {
        Ok(s) => {
            eprintln!(
                "gen: {} cases, {} lines ({} events, {} of them redelivered, {} malformed), {} bytes, at most {} events held",
                s.cases, s.lines, s.events, s.redelivered, s.malformed, s.bytes, s.peak_pending
            );
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the log: {e}");
            ExitCode::from(2)
        }
    }
}
