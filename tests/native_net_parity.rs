//! Parity of the native uri and get_url modules with ansible-core 2.19's
//! (MITORUN_REF_BIN): same arguments against a local HTTP(S) server
//! (tests/fixtures/net/http_server.py, on a free port of 127.0.0.1), same
//! result (changed, failed, msg, status, content, json, response headers,
//! invocation) and the same files on disk. Only values that differ run to
//! run are masked: the Date header, elapsed seconds, get_url's temp file.
//! A playbook using both runs through mitorun (no ansible-core) and
//! ansible-playbook with the same output.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::{Map, Value};
use parity::{Case, compare, s};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

const URI_VOLATILE: &[&str] = &["date", "elapsed"];
const GET_URL_VOLATILE: &[&str] = &["date", "elapsed", "src"];

const HELLO: &str = "hello from the server\n";

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[Value]) -> Value {
    Value::List(items.to_vec())
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Map>(),
    )
}

/// The test server, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(root: &Path, tls: Option<(&Path, &Path)>) -> Server {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/net/http_server.py");
        let mut cmd = Command::new(PYTHON);
        cmd.arg(script).arg(root);
        if let Some((cert, key)) = tls {
            cmd.arg(cert).arg(key);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the test HTTP server");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("server stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server port");
        let port = line.trim().parse().expect("server printed its port");
        Server { child, port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn sha256_hex(data: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(data)?;
            c.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The served tree: files dated 2020 so a copy made by a case's setup is
/// newer (If-Modified-Since then gets a 304) and one dated 2001 older.
fn served_root(base: &Path) -> PathBuf {
    let root = base.join("www");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir www");
    std::fs::write(root.join("hello.txt"), HELLO).expect("write");
    std::fs::write(root.join("sub/other.txt"), "other\n").expect("write");
    let sum = sha256_hex(HELLO.as_bytes());
    std::fs::write(
        root.join("sha256sums.txt"),
        format!("{sum}  hello.txt\n{}  other.txt\n", "0".repeat(64)),
    )
    .expect("write");
    std::fs::write(
        root.join("bsd.txt"),
        format!("SHA256 (hello.txt) = {sum}\n"),
    )
    .expect("write");
    std::fs::write(root.join("lone.txt"), format!("{sum}\n")).expect("write");
    let ok = Command::new("touch")
        .args(["-d", "2020-01-01T00:00:00"])
        .args(
            [
                "hello.txt",
                "sub/other.txt",
                "sha256sums.txt",
                "bsd.txt",
                "lone.txt",
            ]
            .iter()
            .map(|f| root.join(f)),
        )
        .status()
        .expect("touch")
        .success();
    assert!(ok);
    root
}

fn uri(args: Vec<(&'static str, Value)>) -> Case {
    Case::new("uri", "", args).volatile(URI_VOLATILE)
}

fn uri_in(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new("uri", setup, args).volatile(URI_VOLATILE)
}

fn uri_cases(srv: &Server) -> Vec<Case> {
    let u = |p: &str| s(&srv.url(p));
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    vec![
        uri(vec![("url", u("/files/hello.txt"))]),
        uri(vec![("url", u("/files/hello.txt")), ("return_content", T)]),
        uri(vec![("url", u("/json"))]),
        uri(vec![("url", u("/json")), ("return_content", s("yes"))]),
        uri(vec![("url", u("/badjson")), ("return_content", T)]),
        uri(vec![("url", u("/latin1")), ("return_content", T)]),
        uri(vec![("url", u("/noctype")), ("return_content", T)]),
        uri(vec![
            ("url", u("/problem")),
            ("status_code", list(&[int(422)])),
        ]),
        uri(vec![("url", u("/problem"))]),
        uri(vec![("url", u("/status/404"))]),
        uri(vec![("url", u("/status/404")), ("return_content", T)]),
        // an error status that is expected: its body stays in `body`
        uri(vec![("url", u("/status/404")), ("status_code", s("404"))]),
        uri(vec![
            ("url", u("/status/201")),
            ("status_code", s("200,201")),
        ]),
        uri(vec![
            ("url", u("/status/500")),
            ("status_code", list(&[int(200), s("201")])),
        ]),
        uri(vec![
            ("url", u("/status/204")),
            ("status_code", list(&[int(204)])),
        ]),
        uri(vec![("url", u("/files/hello.txt")), ("method", s("HEAD"))]),
        // redirects under each follow_redirects policy
        uri(vec![("url", u("/redirect/302?to=/echo"))]),
        uri(vec![
            ("url", u("/redirect/301?to=/files/hello.txt")),
            ("return_content", T),
        ]),
        uri(vec![
            ("url", u("/redirect/301?to=/echo")),
            ("follow_redirects", s("none")),
        ]),
        uri(vec![
            ("url", u("/redirect/302?to=/echo")),
            ("method", s("POST")),
            ("body", s("payload")),
        ]),
        uri(vec![
            ("url", u("/redirect/307?to=/echo")),
            ("method", s("POST")),
            ("body", s("payload")),
            ("follow_redirects", s("all")),
            ("return_content", T),
        ]),
        uri(vec![
            ("url", u("/redirect/308?to=/echo")),
            ("method", s("PUT")),
            ("body", s("payload")),
            ("follow_redirects", s("all")),
        ]),
        uri(vec![
            ("url", u("/redirect/303?to=/echo")),
            ("method", s("POST")),
            ("body", s("payload")),
            ("follow_redirects", s("all")),
        ]),
        uri(vec![
            ("url", u("/redirect/301?to=/echo")),
            ("method", s("POST")),
            ("body", s("payload")),
            ("follow_redirects", s("yes")),
        ]),
        uri(vec![
            ("url", u("/redirect/302?to=/echo")),
            ("method", s("POST")),
            ("body", s("payload")),
            ("follow_redirects", s("urllib2")),
        ]),
        uri(vec![
            ("url", u("/redirect/302?to=/echo")),
            ("follow_redirects", s("no")),
        ]),
        uri(vec![
            ("url", u("/redirect/302?to=/echo")),
            (
                "headers",
                map(&[("X-Kept", s("kept")), ("X-Dropped", s("dropped"))]),
            ),
            ("unredirected_headers", list(&[s("x-dropped")])),
        ]),
        // bodies
        uri(vec![
            ("url", u("/echo")),
            ("method", s("POST")),
            ("body_format", s("json")),
            ("body", map(&[("name", s("x")), ("n", int(3))])),
        ]),
        uri(vec![
            ("url", u("/echo")),
            ("method", s("POST")),
            ("body_format", s("json")),
            ("body", s("{\"pre\": \"formatted\"}")),
            (
                "headers",
                map(&[("content-type", s("application/vnd+json"))]),
            ),
        ]),
        uri(vec![
            ("url", u("/echo")),
            ("method", s("POST")),
            ("body_format", s("form-urlencoded")),
            (
                "body",
                map(&[
                    ("name", s("a b")),
                    ("multi", list(&[s("1"), s("2")])),
                    ("none", Value::Null),
                ]),
            ),
        ]),
        uri(vec![
            ("url", u("/echo")),
            ("method", s("POST")),
            ("body_format", s("form-urlencoded")),
            (
                "body",
                list(&[list(&[s("k"), s("v1")]), list(&[s("k"), s("v2")])]),
            ),
        ]),
        uri(vec![
            ("url", u("/echo")),
            ("method", s("PATCH")),
            ("body", s("raw text")),
            (
                "headers",
                map(&[("X-Custom", s("1")), ("Accept", s("*/*"))]),
            ),
            ("http_agent", s("agent/1.0")),
        ]),
        uri_in(
            "printf 'file part\\n' > part.txt",
            vec![
                ("url", u("/echo")),
                ("method", s("POST")),
                ("body_format", s("form-multipart")),
                (
                    "body",
                    map(&[
                        ("text", s("plain value")),
                        (
                            "inline",
                            map(&[
                                ("content", s("inline content")),
                                ("filename", s("inline.txt")),
                                ("mime_type", s("text/plain")),
                            ]),
                        ),
                        ("file", map(&[("filename", s("@/part.txt"))])),
                    ]),
                ),
            ],
        ),
        uri(vec![
            ("url", u("/echo")),
            ("method", s("POST")),
            ("body_format", s("form-multipart")),
            ("body", s("not a mapping")),
        ]),
        uri_in(
            "printf 'uploaded body\\n' > up.txt",
            vec![
                ("url", u("/echo")),
                ("method", s("PUT")),
                ("src", s("@/up.txt")),
            ],
        ),
        uri(vec![("url", u("/echo")), ("src", s("@/missing.txt"))]),
        // authentication
        uri(vec![
            ("url", u("/basic")),
            ("url_username", s("user")),
            ("url_password", s("pass")),
        ]),
        uri(vec![
            ("url", u("/basic")),
            ("user", s("user")),
            ("password", s("pass")),
            ("force_basic_auth", T),
            ("return_content", T),
        ]),
        uri(vec![
            ("url", u("/basic")),
            ("url_username", s("user")),
            ("url_password", s("wrong")),
        ]),
        uri(vec![("url", u("/basic"))]),
        Case::new("uri", "", vec![])
            .literal(
                "url",
                s(&format!("http://user:pass@127.0.0.1:{}/basic", srv.port)),
            )
            .volatile(URI_VOLATILE),
        // response decoding and headers
        uri(vec![("url", u("/gzip")), ("return_content", T)]),
        uri(vec![
            ("url", u("/gzip")),
            ("decompress", F),
            ("dest", s("@/gz.bin")),
        ]),
        uri(vec![("url", u("/cookies"))]),
        // dest: written, directory, unchanged copy (If-Modified-Since)
        uri(vec![
            ("url", u("/files/hello.txt")),
            ("dest", s("@/out.txt")),
            ("mode", s("0600")),
        ]),
        uri(vec![("url", u("/files/sub/other.txt")), ("dest", s("@/"))]),
        uri(vec![("url", u("/disposition")), ("dest", s("@"))]),
        uri(vec![("url", u("/echo?x=1")), ("dest", s("@/"))]),
        uri_in(
            "printf 'hello from the server\\n' > out.txt",
            vec![("url", u("/files/hello.txt")), ("dest", s("@/out.txt"))],
        ),
        uri_in(
            "printf 'old\\n' > out.txt && touch -d 2001-01-01 out.txt",
            vec![
                ("url", u("/files/hello.txt")),
                ("dest", s("@/out.txt")),
                ("status_code", list(&[int(200), int(304)])),
            ],
        ),
        uri_in(
            "printf 'hello from the server\\n' > out.txt",
            vec![
                ("url", u("/files/hello.txt")),
                ("dest", s("@/out.txt")),
                ("status_code", list(&[int(200), int(304)])),
            ],
        ),
        uri_in(
            "printf 'same\\n' > out.txt",
            vec![
                ("url", u("/files/hello.txt")),
                ("dest", s("@/out.txt")),
                ("force", T),
            ],
        ),
        uri(vec![
            ("url", u("/files/hello.txt")),
            ("dest", s("@/no/such/dir/out.txt")),
        ]),
        // creates / removes
        uri_in(
            "touch here",
            vec![("url", u("/status/500")), ("creates", s("@/here"))],
        ),
        uri(vec![("url", u("/status/500")), ("removes", s("@/gone"))]),
        uri_in(
            "touch here",
            vec![("url", u("/json")), ("removes", s("@/here"))],
        ),
        // failures before and without an HTTP answer
        uri(vec![("url", s(&refused))]),
        uri(vec![("url", u("/close"))]),
        uri(vec![("url", u("/slow")), ("timeout", int(1))]),
        uri(vec![("url", s("nonsense"))]),
        uri(vec![("url", s("gopher://127.0.0.1/x"))]),
        uri(vec![("url", u("/echo")), ("method", s("get"))]),
        uri(vec![("url", u("/echo")), ("body_format", s("xml"))]),
        uri(vec![
            ("url", u("/echo")),
            ("body", s("b")),
            ("src", s("@/x")),
        ]),
        uri(vec![("method", s("GET"))]),
        uri(vec![("url", u("/echo")), ("status_code", s("abc"))]),
        uri(vec![("url", u("/echo")), ("bogus", T)]),
        uri(vec![("url", u("/echo")), ("use_gssapi", T)]),
        uri(vec![("url", u("/echo"))]).check(),
    ]
}

fn get_url(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new("get_url", setup, args).volatile(GET_URL_VOLATILE)
}

fn get_url_cases(srv: &Server) -> Vec<Case> {
    let u = |p: &str| s(&srv.url(p));
    let sum = sha256_hex(HELLO.as_bytes());
    let refused = format!("http://127.0.0.1:{}/x", closed_port());
    let hello = || ("url", u("/files/hello.txt"));
    let checksum = |v: String| ("checksum", Value::str(v));
    const SAME: &str = "printf 'hello from the server\\n' > dl.txt";
    const OLD_SAME: &str =
        "printf 'hello from the server\\n' > dl.txt && touch -d 2001-01-01 dl.txt";
    const OLD_OTHER: &str = "printf 'old\\n' > dl.txt && touch -d 2001-01-01 dl.txt";
    vec![
        get_url("", vec![hello(), ("dest", s("@/dl.txt"))]),
        get_url(
            "",
            vec![hello(), ("dest", s("@/dl.txt")), ("mode", s("0640"))],
        ),
        // an up-to-date copy: the server answers 304
        get_url(SAME, vec![hello(), ("dest", s("@/dl.txt"))]),
        get_url(OLD_SAME, vec![hello(), ("dest", s("@/dl.txt"))]),
        get_url(OLD_OTHER, vec![hello(), ("dest", s("@/dl.txt"))]),
        get_url(SAME, vec![hello(), ("dest", s("@/dl.txt")), ("force", T)]),
        get_url(
            OLD_OTHER,
            vec![hello(), ("dest", s("@/dl.txt")), ("backup", T)],
        ),
        get_url("", vec![hello(), ("dest", s("@"))]),
        get_url("", vec![("url", u("/disposition")), ("dest", s("@/"))]),
        get_url(
            "",
            vec![
                ("url", u("/redirect/302?to=/files/sub/other.txt")),
                ("dest", s("@")),
            ],
        ),
        // checksums
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{sum}")),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", sum.to_uppercase())),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", "1".repeat(64))),
            ],
        ),
        get_url(
            SAME,
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{sum}")),
            ],
        ),
        get_url(
            SAME,
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{sum}")),
                ("mode", s("0600")),
            ],
        ),
        get_url(
            OLD_OTHER,
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{sum}")),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", srv.url("/files/sha256sums.txt"))),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", srv.url("/files/bsd.txt"))),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", srv.url("/files/lone.txt"))),
            ],
        ),
        get_url(
            "",
            vec![
                ("url", u("/files/sub/nothere.txt")),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", srv.url("/files/sha256sums.txt"))),
            ],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                checksum(format!("sha256:{}", srv.url("/status/404"))),
            ],
        ),
        get_url(
            "",
            vec![hello(), ("dest", s("@/dl.txt")), ("checksum", s("sha256"))],
        ),
        get_url(
            "",
            vec![
                hello(),
                ("dest", s("@/dl.txt")),
                ("checksum", s("sha256:xyz")),
            ],
        ),
        // failures
        get_url("", vec![("url", u("/status/404")), ("dest", s("@/dl.txt"))]),
        get_url("", vec![("url", s(&refused)), ("dest", s("@/dl.txt"))]),
        get_url("", vec![("url", u("/short")), ("dest", s("@/dl.txt"))]),
        get_url("", vec![hello(), ("dest", s("@/no/dir/dl.txt"))]),
        get_url(
            "",
            vec![hello(), ("dest", s("@/dl.txt")), ("tmp_dest", s("@/nodir"))],
        ),
        get_url(
            "touch afile",
            vec![hello(), ("dest", s("@/dl.txt")), ("tmp_dest", s("@/afile"))],
        ),
        get_url(
            "mkdir tmpd",
            vec![hello(), ("dest", s("@/dl.txt")), ("tmp_dest", s("@/tmpd"))],
        ),
        get_url("", vec![hello()]),
        get_url("", vec![("dest", s("@/dl.txt"))]),
        // request options
        get_url(
            "",
            vec![
                ("url", u("/basic")),
                ("dest", s("@/dl.txt")),
                ("username", s("user")),
                ("password", s("pass")),
            ],
        ),
        get_url(
            "",
            vec![
                ("url", u("/basic")),
                ("dest", s("@/dl.txt")),
                ("url_username", s("user")),
                ("url_password", s("pass")),
                ("force_basic_auth", T),
            ],
        ),
        get_url(
            "",
            vec![
                ("url", u("/echo")),
                ("dest", s("@/echo.json")),
                ("headers", map(&[("X-Test", s("yes"))])),
                ("http_agent", s("tester")),
            ],
        ),
        get_url("", vec![("url", u("/gzip")), ("dest", s("@/gz.txt"))]),
        get_url(
            "",
            vec![
                ("url", u("/gzip")),
                ("dest", s("@/gz.bin")),
                ("decompress", F),
            ],
        ),
        // check mode: a HEAD request, nothing written
        get_url("", vec![hello(), ("dest", s("@/dl.txt"))]).check(),
        get_url(SAME, vec![hello(), ("dest", s("@/dl.txt"))]).check(),
        get_url(OLD_OTHER, vec![hello(), ("dest", s("@/dl.txt"))]).check(),
    ]
}

fn tls_cases(srv: &Server, cert: &Path) -> Vec<Case> {
    let u = |p: &str| s(&format!("https://127.0.0.1:{}{p}", srv.port));
    let cert = cert.display().to_string();
    vec![
        uri(vec![("url", u("/json"))]),
        uri(vec![("url", u("/json")), ("validate_certs", F)]),
        uri(vec![("url", u("/json")), ("ca_path", s(&cert))]),
        uri(vec![
            ("url", u("/json")),
            ("validate_certs", F),
            ("ciphers", list(&[s("NO-SUCH-CIPHER")])),
        ]),
        get_url(
            "",
            vec![("url", u("/files/hello.txt")), ("dest", s("@/dl.txt"))],
        ),
        get_url(
            "",
            vec![
                ("url", u("/files/hello.txt")),
                ("dest", s("@/dl.txt")),
                ("validate_certs", F),
            ],
        ),
    ]
}

async fn run_cases(tag: &str, cases: Vec<Case>) {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir(tag);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uri_matches_ansible_core() {
    let base = tempdir("uri-www");
    let srv = Server::start(&served_root(&base), None);
    run_cases("uri", uri_cases(&srv)).await;
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_url_matches_ansible_core() {
    let base = tempdir("get-url-www");
    let srv = Server::start(&served_root(&base), None);
    run_cases("get_url", get_url_cases(&srv)).await;
    let _ = std::fs::remove_dir_all(&base);
}

/// https with a self-signed certificate made by openssl (skipped, with a
/// note, where there is no openssl).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_matches_ansible_core() {
    let base = tempdir("https-www");
    let (cert, key) = (base.join("cert.pem"), base.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !made {
        eprintln!("no openssl: https cases not run");
        return;
    }
    let srv = Server::start(&served_root(&base), Some((&cert, &key)));
    run_cases("https", tls_cases(&srv, &cert)).await;
    let _ = std::fs::remove_dir_all(&base);
}

const PLAYBOOK: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - name: fetch JSON
      uri:
        url: "{{ base }}/json"
      register: fetched
    - debug:
        msg: "{{ fetched.json }} {{ fetched.status }} {{ fetched.content_type }} {{ fetched.redirected }}"
    - name: post JSON through a redirect
      ansible.builtin.uri:
        url: "{{ base }}/redirect/307?to=/echo"
        method: POST
        body_format: json
        body: {item: 1}
        follow_redirects: all
      register: echoed
    - debug:
        msg: "{{ echoed.json.method }} {{ echoed.json.body }} {{ echoed.json.headers['Content-Type'] }} {{ echoed.url }}"
    - name: an expected failure
      uri:
        url: "{{ base }}/status/404"
      register: missing
      ignore_errors: true
    - debug:
        msg: "{{ missing.msg }} {{ missing.status }}"
    - name: download
      get_url:
        url: "{{ base }}/files/hello.txt"
        dest: "{{ out }}/hello.txt"
        mode: "0644"
        checksum: "sha256:{{ base }}/files/sha256sums.txt"
      register: downloaded
    - debug:
        msg: "{{ downloaded.changed }} {{ downloaded.status_code }} {{ downloaded.checksum_src }} {{ downloaded.dest | basename }}"
    - name: download again
      get_url:
        url: "{{ base }}/files/hello.txt"
        dest: "{{ out }}/hello.txt"
        checksum: "sha256:{{ base }}/files/sha256sums.txt"
      register: again
    - debug:
        msg: "{{ again.changed }} {{ again.msg }}"
    - name: write a response to a file
      uri:
        url: "{{ base }}/files/sub/other.txt"
        dest: "{{ out }}/"
      register: saved
    - debug:
        msg: "{{ saved.changed }} {{ saved.path | basename }} {{ lookup('file', out + '/other.txt') }}"
    - name: upload a controller file
      uri:
        url: "{{ base }}/echo"
        method: PUT
        src: upload.txt
      register: uploaded
    - debug:
        msg: "{{ uploaded.json.body }} {{ uploaded.json.headers['Content-Length'] }}"
    - name: multipart with a controller file
      uri:
        url: "{{ base }}/echo"
        method: POST
        body_format: form-multipart
        body:
          note: text
          attachment:
            filename: upload.txt
            mime_type: text/plain
      register: multi
    - debug:
        msg: "{{ multi.json.body }}"
    - name: a missing controller file
      uri:
        url: "{{ base }}/echo"
        src: nothere.txt
      ignore_errors: true
    - name: no check mode
      uri:
        url: "{{ base }}/json"
      check_mode: true
      register: checked
    - debug:
        var: checked
"#;

/// The playbook through ansible-playbook and through mitorun (which has
/// no ansible-core to fall back on): identical output, the same files.
#[test]
fn playbook_runs_like_ansible() {
    let Some(bin) = ref_bin() else {
        panic!("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    };
    let base = tempdir("net-playbook");
    let srv = Server::start(&served_root(&base), None);
    std::fs::write(base.join("site.yml"), PLAYBOOK).expect("write playbook");
    std::fs::create_dir_all(base.join("files")).expect("mkdir files");
    std::fs::write(base.join("files/upload.txt"), "from the controller\n").expect("write");
    std::fs::write(
        base.join("hosts.ini"),
        "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n",
    )
    .expect("write inventory");
    let date = regex::Regex::new(r#""date": "[^"]*""#).expect("regex");
    let run = |program: &Path, out: &Path| {
        let _ = std::fs::remove_dir_all(out);
        std::fs::create_dir_all(out).expect("mkdir out");
        let output = Command::new(program)
            .args(["-i", "hosts.ini", "site.yml", "-e"])
            .arg(format!("base={} out={}", srv.url(""), out.display()))
            .current_dir(&base)
            .env("ANSIBLE_NOCOWS", "1")
            .env("ANSIBLE_FORKS", "1")
            .env_remove("MITORUN_ANSIBLE_PYTHON")
            .env_remove("MITORUN_ANSIBLE_CORE")
            .output()
            .expect("run the playbook");
        let stdout =
            String::from_utf8_lossy(&output.stdout).replace(&out.display().to_string(), "OUT");
        // The failed task's result shows the server's Date header.
        let stdout = date
            .replace_all(&stdout, "\"date\": \"<date>\"")
            .into_owned();
        (output.status.code(), stdout, parity::snapshot(out))
    };
    let theirs = run(
        &Path::new(&bin).join("ansible-playbook"),
        &base.join("out-ansible"),
    );
    let ours = run(
        Path::new(env!("CARGO_BIN_EXE_mitorun")),
        &base.join("out-mitorun"),
    );
    assert_eq!(theirs.0, Some(0), "ansible-playbook failed:\n{}", theirs.1);
    assert_eq!(ours.1, theirs.1, "output differs");
    assert_eq!(ours.0, theirs.0);
    assert_eq!(ours.2, theirs.2, "files differ");
    let _ = std::fs::remove_dir_all(&base);
}
