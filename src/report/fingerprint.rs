//! Stable identities of findings across runs: corslint's own hash, and the line hash GitHub's
//! upload action computes (`primaryLocationLineHash`), so that alerts uploaded through the REST
//! API are deduplicated like those uploaded by the action.

/// FNV-1a over the parts, each followed by a NUL: a stable hash, the same on every machine and release.
pub(crate) fn stable_hash(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Characters in the rolling window of the line hash.
const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
/// The value github/codeql-action feeds after the last character (JavaScript's `65535` sentinel).
const END_OF_FILE: u16 = 0xFFFF;

/// `primaryLocationLineHash` of every line of `text`, as github/codeql-action's
/// `src/fingerprints.ts` computes it: a rolling hash (base 37, wrapping 64-bit arithmetic) over
/// the next 100 UTF-16 code units from the start of each line, spaces and tabs skipped, `\r`,
/// `\n` and `\r\n` all read as `\n`, with `:N` telling apart the N-th line of one hash value.
/// Lines are numbered from 1 as that code numbers them; index 0 of the result is line 1.
///
/// `text` must be the file as that code reads it: its bytes decoded as UTF-8 with replacement
/// characters, byte order mark included.
pub(crate) fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = LineHasher::new();
    let mut line_start = true;
    let mut previous_cr = false;
    for unit in text.encode_utf16().chain([END_OF_FILE]) {
        let mut current = unit;
        if current == u16::from(b' ') || current == u16::from(b'\t') || (previous_cr && current == u16::from(b'\n')) {
            previous_cr = false;
            continue;
        }
        previous_cr = current == u16::from(b'\r');
        if previous_cr {
            current = u16::from(b'\n');
        }
        hasher.emit();
        if line_start {
            hasher.start_line();
        }
        line_start = current == u16::from(b'\n');
        hasher.update(current);
    }
    for _ in 0..BLOCK_SIZE {
        hasher.emit();
        hasher.update(0);
    }
    hasher.hashes
}

/// The rolling window: the last [`BLOCK_SIZE`] characters and the lines that start among them.
struct LineHasher {
    window: [u16; BLOCK_SIZE],
    /// The line that starts at each window slot, if one does.
    line_at: [Option<usize>; BLOCK_SIZE],
    index: usize,
    hash: u64,
    /// `MOD` to the power of `BLOCK_SIZE`: the weight of the character leaving the window.
    first_mod: u64,
    lines: usize,
    /// How often each hash value was emitted, to number repeats.
    seen: std::collections::HashMap<u64, usize>,
    hashes: Vec<String>,
}

impl LineHasher {
    fn new() -> Self {
        LineHasher {
            window: [0; BLOCK_SIZE],
            line_at: [None; BLOCK_SIZE],
            index: 0,
            hash: 0,
            first_mod: (0..BLOCK_SIZE).fold(1u64, |acc, _| acc.wrapping_mul(MOD)),
            lines: 0,
            seen: std::collections::HashMap::new(),
            hashes: Vec::new(),
        }
    }

    fn start_line(&mut self) {
        self.lines += 1;
        self.line_at[self.index] = Some(self.lines);
    }

    /// A line whose start is about to leave the window has seen its 100 characters: its hash is final.
    fn emit(&mut self) {
        if self.line_at[self.index].take().is_some() {
            let count = self.seen.entry(self.hash).or_insert(0);
            *count += 1;
            self.hashes.push(format!("{:x}:{count}", self.hash));
        }
    }

    fn update(&mut self, current: u16) {
        let leaving = self.window[self.index];
        self.window[self.index] = current;
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(u64::from(current))
            .wrapping_sub(self.first_mod.wrapping_mul(u64::from(leaving)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }
}

#[cfg(test)]
mod tests {
    use super::line_hashes;

    /// The test vectors of github/codeql-action's `src/fingerprints.test.ts` ("hash"), verbatim.
    #[test]
    fn line_hashes_match_the_upload_action() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["c129715d7a2bc9a3:1"]),
            (
                " a\nb\n  \t\tc\n d",
                &["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
            ),
            (
                " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
                &[
                    "8b7cf3e952e7aeb2:1",
                    "b1ae1287ec4718d9:1",
                    "bff680108adb0fcc:1",
                    "c6805c5e1288b612:1",
                    "b86d3392aea1be30:1",
                    "e6ceba753e1a442:1",
                ],
            ),
        ];
        let ended = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        let line_endings = [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ];
        let repeated = "Lorem ipsum dolor sit amet.\n".repeat(10);
        let repeated_hashes = [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ];
        let program = "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n";
        let program_hashes = [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ];
        let all = cases
            .iter()
            .map(|(text, hashes)| (*text, hashes.to_vec()))
            .chain(line_endings.iter().map(|text| (*text, ended.to_vec())))
            .chain([(repeated.as_str(), repeated_hashes.to_vec()), (program, program_hashes.to_vec())]);
        for (text, expected) in all {
            assert_eq!(line_hashes(text), expected, "{text:?}");
        }
    }

    /// A byte order mark, a character outside the Basic Multilingual Plane (two UTF-16 units),
    /// invalid UTF-8, CRLF and a lone CR. Expected values: the action's `hash()` ported line by
    /// line to JavaScript (BigInt for its `Long`) and run by Node.js 20 on these bytes, read
    /// through `fs.createReadStream(path, "utf8")` as the action reads them.
    #[test]
    fn decoding_matches_node_on_hostile_bytes() {
        let bytes = b"\xef\xbb\xbfline one \xf0\x9d\x92\x9c caf\xc3\xa9\n\tbad \xff\xfe\xc3 bytes\r\nlast\rlone cr\n";
        assert_eq!(
            line_hashes(&String::from_utf8_lossy(bytes)),
            [
                "b35f3e75d0662780:1",
                "80f6acbe1422d2d1:1",
                "57c65278c49564f2:1",
                "78007cdd32231f48:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }
}
