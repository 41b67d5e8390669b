//! `baseline LOG`: the hand-written AliExpress state machine over a JSON Lines log (`-` reads
//! standard input); prints totals in the layout of `docket eval POLICY LOG --summary`.

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: baseline LOG.jsonl   (`-` reads standard input)");
        return ExitCode::from(2);
    };
    let reader: Box<dyn BufRead> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&path) {
            Ok(f) => Box::new(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                eprintln!("error: cannot read `{path}`: {e}");
                return ExitCode::from(2);
            }
        }
    };
    match docket_bench::baseline::run(reader) {
        Ok(summary) => {
            print!("{}", docket_bench::baseline::render(&summary));
            // Like Docket: 1 when some event was rejected or some line malformed.
            ExitCode::from(u8::from(summary.rejected > 0 || summary.malformed > 0))
        }
        Err(e) => {
            eprintln!("error: reading `{path}`: {e}");
            ExitCode::from(2)
        }
    }
}
