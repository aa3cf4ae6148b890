//! Tests against fixtures made by the real ansible-vault (ansible-core
//! 2.19.14). Passwords: `hunter2` unless noted; `s3cret pass` came from a
//! password file holding `  s3cret pass  \n\n`; `devpass` from `dev@FILE`.

use super::secrets::{is_client_script_name, python_bytes_repr, unfrack_path};
use super::*;
use crate::value::Map;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `ansible-vault encrypt_string --vault-password-file pw 'hello world'`,
/// as the `!vault |` block scalar reads.
const ENCRYPT_STRING_HELLO: &str = "\
$ANSIBLE_VAULT;1.1;AES256
65643837326363303364313462396633643364636435663361316165343630623366313635343265
3165353735353732366433363264353637393232346333610a323034306362313638326439333238
37303130626161643564623537303634363561633731613739303831323664386265346235613835
3537333832323732350a333566653837323461346365333133653233626435653265636437643739
6464
";

/// `ansible-vault encrypt` of `bin.dat`.
const BINARY: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
39353765383534346262386663363633383833383363303732613363666539616333626431336131\n\
6264336231653431323135626431306435613338336338330a323366656134303664653465313163\n\
64383836383466613736303433366336373437646639383037333932373563323730353531383731\n\
3330396234656434340a663335333862313731393862303336346333643434393135353332653633\n\
3437\n\
";

/// `ansible-vault encrypt` of `block.txt`.
const BLOCK_PROD: &str = "\
$ANSIBLE_VAULT;1.2;AES256;prod\n\
32653961323636323362386666333334366266323363383039346462343565346336323335653065\n\
3636623834383830626333333537323939303133313062620a396237383439396636663664313933\n\
37626230373533363165363663663236623763613138663162643939303238373536376565636631\n\
6464393432323566620a396233626131396232636563346630646261323963393966356661306430\n\
35396664376166643237343930663565313862343565623962623430323333306130\n\
";

/// `ansible-vault encrypt` of `empty.txt`.
const EMPTY: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
30336265666232326163346136363364373062626434313138343062373365613661396536613838\n\
3433393735653364323863643364376166303938333233310a323461633037313031643930316632\n\
39643737653261323162343036316330376138653532396537636333393839623632336435333563\n\
3564646464333863350a376166356165643234613339626439383339663638386536356666303034\n\
3566\n\
";

/// `ansible-vault encrypt` of `hello.txt`.
const HELLO: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
66343732383061323764346161666162366230363533336239366434653463353430336162663438\n\
3966613066343236383066303962376365326532643665640a633364646463666133643935373036\n\
33373862333638336333663263643630633530383130633565366361363363643861363636633133\n\
3162353039396564640a326163623934326333656235383831303737613231346336643237636339\n\
3839\n\
";

/// `ansible-vault encrypt` of `lab.txt`.
const LABELLED_DEV: &str = "\
$ANSIBLE_VAULT;1.2;AES256;dev\n\
63623231353935633661663461366563396237613164386166356631363362343434363636396662\n\
3763336434613663626362343831383163336264623539630a363430393131646366636330383836\n\
31366435663835363930336631386638303563373164323236376366666535663033366563373734\n\
3836643332393663320a643837343532346633633231353535623132666334373531393832623032\n\
3364\n\
";

/// `ansible-vault encrypt` of `ml.txt`.
const MULTILINE: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
30313935393062643936333332396266376465313538623436316135613738613034393735383935\n\
3732346132393633303930383665373132613933346539380a393139326435383439326361313138\n\
63373365616637383036333734386436653561646131306662366537376430643561323661333134\n\
6538643863633933370a656665303033623133623465303839323863356633306432623837316638\n\
66346533373731666161623463336635393230393865346139373530616235396535\n\
";

/// `ansible-vault encrypt` of `uni.txt`.
const UNICODE: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
37663234393463636161346436386165636331656262613535316439366331636661356266363930\n\
3735633630656330383130623561323564663164383166340a316339386362646332643336343431\n\
39643461623135313031373633666539366462636463636632363965653034316265626439386163\n\
3031363533396265630a323030646539326137343037386531313436356635383462646336663564\n\
34376235303531303038336163643535643761313862366434653464396231306261633166323232\n\
3861656231643137373135666661616330306133373362336539\n\
";

const DEV_X: &str = "\
$ANSIBLE_VAULT;1.2;AES256;dev\n\
35633364633536386133383262333638343261353134616332316135333432386566343231343838\n\
3930323861383731646531343332383635333465616236380a326562373736346463333663656565\n\
37343137633464663531643732306664393937323336336439653939393865396235383865373734\n\
6161343835353932660a326131653239623037326364653630366638373838386230303735656439\n\
3639\n\
";

const BAD_PADDING: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
37333631366337340a66306135653536313632303966653136666666343138633165376361613131\n\
6436376336336463343166626162366666363966346537323439656165666330300a643031663136\n\
3632663166656462333839366437386233343034393762363038\n\
";

const SALTED_FILTER: &str = "\
$ANSIBLE_VAULT;1.2;AES256;filter_default\n\
3664373937333631366337340a336331333534383236643763653839393463646539383536393234\n\
663563336566386336616537373633646239313866616362346237303030653464313032390a6362\n\
36353465373166333531306362303632383836626233373066373765353530353830663334323937\n\
30646335663930613330396461393532316561333931\n\
";

const SALTED_UNICODE: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
33303331333233333334333533363337333833393631363236333634363536363330333133323333\n\
3334333533363337333833393631363236333634363536360a316130663634653466633166326438\n\
38333861313665306431356637373132623764303138663261623931393362383436336163643831\n\
3432323335383330650a323562366330613462356236346266376533336634306364613939626363\n\
3837\n\
";

const SALTED_EMPTY: &str = "\
$ANSIBLE_VAULT;1.1;AES256\n\
37380a65353533633065303631323064316337356262376434656565343731366537336562613832\n\
3764393230633162306461633562396465653433646532656235360a643063306536626435383432\n\
3833653032616532656432343332363334613433\n\
";

const SALTED_LONG: &str = "\
$ANSIBLE_VAULT;1.2;AES256;prod\n\
373336313663373437390a3333333333306161336335666332303536323364663964656436386534\n\
64313065373736623338626566313961333833303763663266363638626364623731300a31613062\n\
30653930663138646561366532623339316664613135613462316365343735353230663931326237\n\
36396165373532626338393434303633633130323861653765613139646561623437613736623963\n\
31333834313739376266646361356134353832633933646136336664633038646430636564303865\n\
62316566376436323033356363303765646537643361336535333066343764636434633236356439\n\
63613834656238363936616564346165616632613365303638626366373436326462376130623966\n\
33616231376363646564643733376266313265646664643733333064303638363133626366613863\n\
37653733613531363636613938303233366463336534636363616135393538303766333931336138\n\
37633732333565613064343732306261643661623330633434636164313965313466343466666234\n\
34393362396637303337383832376163323061373664653735353831316266333964636136303136\n\
39633564323638393262346439306335396235336564323434666130613533396635643131363163\n\
646461623739396132316366\n\
";

// ---------------------------------------------------------------------------
// helpers

fn secret(label: &str, password: &str) -> VaultSecret {
    VaultSecret::new(label, password.as_bytes())
}

fn vault(secrets: &[(&str, &str)]) -> Vault {
    Vault::new(secrets.iter().map(|(l, p)| secret(l, p)).collect())
}

fn hunter2() -> Vault {
    vault(&[("default", "hunter2")])
}

/// Decode an envelope's body to its three inner fields (hex text).
fn inner_fields(envelope: &str) -> Vec<String> {
    let body = parse_envelope(envelope.as_bytes()).unwrap().body;
    let inner = format::unhexlify(&body).unwrap();
    String::from_utf8(inner)
        .unwrap()
        .split('\n')
        .map(str::to_string)
        .collect()
}

/// Rebuild an envelope from (possibly edited) inner fields.
fn rebuild(header_id: Option<&str>, fields: &[String]) -> String {
    let inner = fields.join("\n");
    format::format_envelope(&format::hexlify(inner.as_bytes()), header_id)
}

/// A fresh scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Held by tests that write and run scripts: a script still open for
/// writing in a child forked by another test cannot be executed
/// ("Text file busy").
static SPAWN_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn spawn_lock() -> std::sync::MutexGuard<'static, ()> {
    SPAWN_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn scratch(name: &str) -> Scratch {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("mitorun-vault-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn write_file(dir: &Path, name: &str, content: &[u8], executable: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn no_prompt(_: &str) -> std::io::Result<String> {
    panic!("unexpected prompt")
}

/// Loaded secrets as (label, password), or the error text; and the warnings.
type Loaded = (Result<Vec<(String, String)>, String>, Vec<String>);

/// Load with the given options (no prompt expected).
fn load(options: &SecretOptions) -> Loaded {
    load_with(options, &no_prompt)
}

fn load_with(options: &SecretOptions, prompt: PromptFn<'_>) -> Loaded {
    let mut warnings = Vec::new();
    let result = options
        .load(prompt, &mut |w| warnings.push(w.to_string()))
        .map(|secrets| {
            secrets
                .into_iter()
                .map(|s| (s.label, String::from_utf8_lossy(&s.bytes).into_owned()))
                .collect()
        })
        .map_err(|e| e.to_string());
    (result, warnings)
}

fn pair(label: &str, password: &str) -> (String, String) {
    (label.to_string(), password.to_string())
}

// ---------------------------------------------------------------------------
// decrypting ansible's output

#[test]
fn decrypts_ansible_vault_fixtures() {
    let v = vault(&[("default", "hunter2")]);
    let cases: &[(&str, &[u8])] = &[
        (HELLO, b"hello world"),
        (ENCRYPT_STRING_HELLO, b"hello world"),
        (UNICODE, "héllo wörld ✓ 日本語 🎉\n".as_bytes()),
        (BINARY, b"\x00\x01\x02\xff\xfe binary\x80\n"),
        (BLOCK_PROD, b"0123456789abcdef"),
        (EMPTY, b""),
        (SALTED_UNICODE, "héllo ✓".as_bytes()),
        (SALTED_EMPTY, b""),
        (SALTED_LONG, &[b'a'; 200]),
    ];
    for (text, want) in cases {
        assert_eq!(v.decrypt(text, "x").unwrap(), *want, "{text}");
    }
    let v = vault(&[("default", "s3cret pass")]);
    assert_eq!(
        v.decrypt(MULTILINE, "").unwrap(),
        b"line one\nline two\n  indented\n"
    );
    let v = vault(&[("dev", "devpass")]);
    assert_eq!(v.decrypt(LABELLED_DEV, "").unwrap(), b"labelled secret");
    assert_eq!(v.decrypt(DEV_X, "").unwrap(), b"x");
    let v = vault(&[("whatever", "pw")]);
    assert_eq!(
        v.decrypt(SALTED_FILTER, "").unwrap(),
        b"deterministic text\n"
    );
}

#[test]
fn envelope_headers_are_read() {
    let e = parse_envelope(LABELLED_DEV.as_bytes()).unwrap();
    assert_eq!(e.version, "1.2");
    assert_eq!(e.cipher, "AES256");
    assert_eq!(e.vault_id.as_deref(), Some("dev"));
    let e = parse_envelope(HELLO.as_bytes()).unwrap();
    assert_eq!(e.version, "1.1");
    assert_eq!(e.vault_id, None);
    assert!(!e.body.contains(&b'\n'));
    let e = parse_envelope(b"$ANSIBLE_VAULT ; 1.2 ;AES256;  my id \t\n00").unwrap();
    assert_eq!(
        (e.version.as_str(), e.cipher.as_str(), e.vault_id.as_deref()),
        ("1.2", "AES256", Some("my id"))
    );
    assert_eq!(e.body, b"00");
}

#[test]
fn lenient_layouts_still_decrypt() {
    let v = hunter2();
    let lines: Vec<&str> = HELLO.lines().collect();
    let variants = [
        lines.join("\r\n"),
        lines.join("\r"),
        lines.join("\n\n"),
        format!("{}\n{}", lines[0], lines[1..].concat()),
        format!("{}\n{}", lines[0], lines[1..].concat().to_uppercase()),
        HELLO.trim_end().to_string(),
        HELLO.replacen(
            "$ANSIBLE_VAULT;1.1;AES256",
            "$ANSIBLE_VAULT ; 9.9 ; AES256 ",
            1,
        ),
        // a re-wrapped body: any line width is fine
        {
            let body = lines[1..].concat();
            let chunks: Vec<String> = body
                .as_bytes()
                .chunks(7)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect();
            format!("{}\n{}\n", lines[0], chunks.join("\n"))
        },
    ];
    for text in variants {
        assert_eq!(v.decrypt(&text, "").unwrap(), b"hello world", "{text:?}");
    }
}

#[test]
fn is_encrypted_follows_ansible() {
    assert!(is_encrypted(HELLO));
    assert!(is_encrypted(b"$ANSIBLE_VAULT".as_slice()));
    assert!(is_encrypted("$ANSIBLE_VAULTxyz"));
    assert!(!is_encrypted(" $ANSIBLE_VAULT;1.1;AES256"));
    assert!(!is_encrypted("$ansible_vault;1.1;AES256"));
    assert!(!is_encrypted(format!("{HELLO}é")));
    assert!(!is_encrypted(""));
    assert!(!is_encrypted(b"$ANSIBLE_VAULT\xff".as_slice()));
}

// ---------------------------------------------------------------------------
// failures and their texts

#[test]
fn wrong_password_fails_with_ansible_text_and_origin() {
    let v = vault(&[("default", "wrong"), ("other", "also wrong")]);
    let err = v.decrypt(HELLO, "/tmp/pb/vars.yml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Decryption failed (no vault secrets were found that could decrypt)."
    );
    assert_eq!(err.origin(), Some("/tmp/pb/vars.yml"));
    assert!(matches!(err, VaultError::DecryptionFailed { .. }));
    // No origin given: none reported.
    assert_eq!(v.decrypt(HELLO, "").unwrap_err().origin(), None);
}

#[test]
fn secrets_are_tried_in_order_until_one_works() {
    let v = vault(&[("a", "nope"), ("dev", "devpass"), ("default", "hunter2")]);
    let (plain, used) = v.decrypt_and_get_secret(HELLO.as_bytes(), "").unwrap();
    assert_eq!(plain, b"hello world");
    assert_eq!(used.label, "default");
    let (_, used) = v
        .decrypt_and_get_secret(LABELLED_DEV.as_bytes(), "")
        .unwrap();
    assert_eq!(used.label, "dev");
    // Labels do not have to match without id matching.
    let v = vault(&[("prod", "devpass")]);
    assert_eq!(v.decrypt(LABELLED_DEV, "").unwrap(), b"labelled secret");
}

#[test]
fn vault_id_match_only_tries_the_envelope_label() {
    let mislabelled = vault(&[("other", "devpass")]).with_id_match(true);
    assert!(matches!(
        mislabelled.decrypt(LABELLED_DEV, "").unwrap_err(),
        VaultError::DecryptionFailed { .. }
    ));
    let right = vault(&[("other", "x"), ("dev", "devpass")]).with_id_match(true);
    assert_eq!(right.decrypt(LABELLED_DEV, "").unwrap(), b"labelled secret");
    // A 1.1 envelope counts as the default identity.
    let v = vault(&[("dev", "hunter2")]).with_id_match(true);
    assert!(v.decrypt(HELLO, "").is_err());
    let v = vault(&[("default", "hunter2")]).with_id_match(true);
    assert!(v.decrypt(HELLO, "").is_ok());
    let v = vault(&[("dev", "hunter2")])
        .with_id_match(true)
        .with_default_identity("dev");
    assert!(v.decrypt(HELLO, "").is_ok());
    // No candidate at all: the malformed payload is never looked at.
    let v = vault(&[("dev", "hunter2")]).with_id_match(true);
    assert!(matches!(
        v.decrypt("$ANSIBLE_VAULT;1.1;AES256\nzz", "").unwrap_err(),
        VaultError::DecryptionFailed { .. }
    ));
}

#[test]
fn id_match_setting_is_python_truthiness_of_text() {
    assert!(!id_match_setting(None));
    assert!(!id_match_setting(Some("")));
    assert!(id_match_setting(Some("False")));
    assert!(id_match_setting(Some("0")));
    assert!(id_match_setting(Some("True")));
}

#[test]
fn empty_envelope_label_excludes_empty_secret_labels() {
    let mut fields = inner_fields(HELLO);
    fields.truncate(3);
    let text = rebuild(None, &fields).replace(";1.1;AES256", ";1.2;AES256;");
    assert!(vault(&[("x", "hunter2")]).decrypt(&text, "").is_ok());
    assert!(vault(&[("", "hunter2")]).decrypt(&text, "").is_err());
    assert!(
        vault(&[("x", "hunter2")])
            .with_id_match(true)
            .decrypt(&text, "")
            .is_err()
    );
}

#[test]
fn tampered_data_fails_like_a_wrong_password() {
    let v = hunter2();
    let fields = inner_fields(HELLO);
    // flip one HMAC digit
    let mut tampered = fields.clone();
    let flipped = if tampered[1].starts_with('0') {
        "1"
    } else {
        "0"
    };
    tampered[1].replace_range(0..1, flipped);
    let err = v.decrypt(&rebuild(None, &tampered), "f").unwrap_err();
    assert!(
        matches!(err, VaultError::DecryptionFailed { .. }),
        "{err:?}"
    );
    // a truncated HMAC
    let mut short = fields.clone();
    short[1].truncate(62);
    assert!(matches!(
        v.decrypt(&rebuild(None, &short), "").unwrap_err(),
        VaultError::DecryptionFailed { .. }
    ));
    // one ciphertext byte changed
    let mut ct = fields.clone();
    let flipped = if ct[2].starts_with('0') { "1" } else { "0" };
    ct[2].replace_range(0..1, flipped);
    assert!(matches!(
        v.decrypt(&rebuild(None, &ct), "").unwrap_err(),
        VaultError::DecryptionFailed { .. }
    ));
    // the original still works
    assert!(v.decrypt(&rebuild(None, &fields), "").is_ok());
}

#[test]
fn malformed_input_gives_ansible_messages() {
    let v = hunter2();
    let hex = |s: &str| String::from_utf8(format::hexlify(s.as_bytes())).unwrap();
    let header = "$ANSIBLE_VAULT;1.1;AES256\n";
    let cases: Vec<(String, &str)> = vec![
        ("not vault".into(), "Input is not vault encrypted data."),
        (format!(" {HELLO}"), "Input is not vault encrypted data."),
        (format!("{HELLO}é"), "Input is not vault encrypted data."),
        (
            "$ANSIBLE_VAULT".into(),
            "Vault envelope format error: list index out of range",
        ),
        (
            "$ANSIBLE_VAULT;1.1\n6161".into(),
            "Vault envelope format error: list index out of range",
        ),
        (
            "$ANSIBLE_VAULT;1.1;AES128\n6161".into(),
            "Cipher 'AES128' could not be found.",
        ),
        (
            "$ANSIBLE_VAULT;1.1;aes256\n6161".into(),
            "Cipher 'aes256' could not be found.",
        ),
        (
            "$ANSIBLE_VAULT;1.1;AES256".into(),
            "Vault vaulttext format error: not enough values to unpack (expected 3, got 1)",
        ),
        (
            format!("{header}zz"),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
        (
            format!("{header}616"),
            "Vault format unhexlify error: Odd-length string",
        ),
        (
            format!("{header}{}", hex("abcd")),
            "Vault vaulttext format error: not enough values to unpack (expected 3, got 1)",
        ),
        (
            format!("{header}{}", hex("ab\ncd")),
            "Vault vaulttext format error: not enough values to unpack (expected 3, got 2)",
        ),
        (
            format!("{header}{}", hex("zz\nab\ncd")),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
        (
            format!("{header}{}", hex("ab\nab\ncz")),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
        (
            format!("{header}{}", hex("ab\nzz\ncd")),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
        (
            format!("{header}{}", hex("ab\nab\ncd\nef")),
            "Vault format unhexlify error: Odd-length string",
        ),
        (
            format!("{header}{}", hex("ab\nabcd\ncd")),
            "Decryption failed (no vault secrets were found that could decrypt).",
        ),
        (
            format!("{header}{}", hex("\n\n")),
            "Decryption failed (no vault secrets were found that could decrypt).",
        ),
        (
            // whitespace inside the hex lines is not allowed
            HELLO
                .lines()
                .map(|l| format!("{l}  "))
                .collect::<Vec<_>>()
                .join("\n"),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
        (
            HELLO
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        l.to_string()
                    } else {
                        format!("  {l}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            "Vault format unhexlify error: Non-hexadecimal digit found",
        ),
    ];
    for (text, want) in cases {
        let err = v.decrypt(&text, "origin.yml").unwrap_err();
        assert_eq!(err.to_string(), want, "{text:?}");
        assert_eq!(err.origin(), Some("origin.yml"), "{text:?}");
    }
    assert!(
        v.decrypt(&format!("{header}zz"), "")
            .unwrap_err()
            .is_format_error()
    );
}

#[test]
fn no_secrets_is_its_own_error() {
    let err = Vault::new(Vec::new())
        .decrypt(HELLO, "vars.yml")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Attempting to decrypt but no vault secrets found."
    );
    assert_eq!(err.origin(), Some("vars.yml"));
    // ... but the cipher is checked first, and before that the header.
    assert_eq!(
        Vault::new(Vec::new())
            .decrypt("$ANSIBLE_VAULT;1.1;DES\n", "")
            .unwrap_err()
            .to_string(),
        "Cipher 'DES' could not be found."
    );
}

#[test]
fn bad_padding_behind_a_valid_hmac_stops_the_search() {
    // Made with the right keys for `hunter2` but an invalid PKCS#7 tail.
    let v = vault(&[("default", "hunter2"), ("other", "devpass")]);
    let err = v.decrypt(BAD_PADDING, "x").unwrap_err();
    assert_eq!(err.to_string(), "Invalid padding bytes.");
    assert!(matches!(err, VaultError::InvalidPadding { .. }));
}

#[test]
fn plaintext_text_replaces_each_bad_byte() {
    assert_eq!(plaintext_to_string(b"plain".to_vec()), "plain");
    let s = plaintext_to_string(b"\x00\x01\x02\xff\xfe binary\x80\n".to_vec());
    assert_eq!(s, "\u{0}\u{1}\u{2}\u{fffd}\u{fffd} binary\u{fffd}\n");
    assert_eq!(s.chars().count(), 14);
    // an incomplete sequence: one character per byte, as Python's
    // surrogateescape
    let s = plaintext_to_string(b"a\xe2\x82b\xf0".to_vec());
    assert_eq!(s, "a\u{fffd}\u{fffd}b\u{fffd}");
}

#[test]
fn decrypt_value_walks_lists_and_maps() {
    let v = hunter2();
    let mut inner = Map::new();
    inner.insert("secret".into(), Value::Vault(HELLO.into()));
    inner.insert("plain".into(), Value::Int(3));
    let input = Value::List(vec![
        Value::Map(inner),
        Value::Vault(UNICODE.into()),
        Value::Unsafe("{{ x }}".into()),
        Value::Str("s".into()),
    ]);
    let mut want_inner = Map::new();
    want_inner.insert("secret".into(), Value::str("hello world"));
    want_inner.insert("plain".into(), Value::Int(3));
    let want = Value::List(vec![
        Value::Map(want_inner),
        Value::str("héllo wörld ✓ 日本語 🎉\n"),
        Value::Unsafe("{{ x }}".into()),
        Value::Str("s".into()),
    ]);
    assert_eq!(v.decrypt_value(&input).unwrap(), want);
    assert_eq!(
        v.decrypt_value(&Value::Vault(BINARY.into())).unwrap(),
        Value::str("\u{0}\u{1}\u{2}\u{fffd}\u{fffd} binary\u{fffd}\n")
    );
    let err = vault(&[("default", "nope")])
        .decrypt_value(&input)
        .unwrap_err();
    assert!(matches!(err, VaultError::DecryptionFailed { .. }));
}

// ---------------------------------------------------------------------------
// encrypting

#[test]
fn encrypt_with_salt_matches_ansible_byte_for_byte() {
    // (ansible's output, plaintext, password, vault id, salt)
    type Case<'a> = (&'a str, &'a [u8], &'a [u8], Option<&'a str>, &'a [u8]);
    let cases: &[Case] = &[
        (
            SALTED_FILTER,
            b"deterministic text\n",
            b"pw",
            Some("filter_default"),
            b"mysalt",
        ),
        (
            SALTED_UNICODE,
            "héllo ✓".as_bytes(),
            b"hunter2",
            None,
            b"0123456789abcdef0123456789abcdef",
        ),
        (SALTED_EMPTY, b"", b"hunter2", Some("default"), b"x"),
        (
            SALTED_LONG,
            &[b'a'; 200],
            b"hunter2",
            Some("prod"),
            b"salty",
        ),
    ];
    for (want, plain, password, id, salt) in cases {
        assert_eq!(
            encrypt_with_salt(plain, password, *id, salt).unwrap(),
            *want
        );
    }
}

#[test]
fn encrypt_round_trips_with_random_salt() {
    let plain = "line 1\nline 2 ✓\n".repeat(20);
    let a = encrypt(plain.as_bytes(), b"pw", Some("dev")).unwrap();
    let b = encrypt(plain.as_bytes(), b"pw", Some("dev")).unwrap();
    assert_ne!(a, b, "salts are random");
    assert!(a.starts_with("$ANSIBLE_VAULT;1.2;AES256;dev\n"));
    assert!(a.ends_with('\n'));
    let lines: Vec<&str> = a.lines().collect();
    assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() == 80));
    assert!(lines.last().unwrap().len() <= 80);
    // a 32-byte salt
    assert_eq!(inner_fields(&a)[0].len(), 64);
    let v = vault(&[("dev", "pw")]).with_id_match(true);
    assert_eq!(v.decrypt(&a, "").unwrap(), plain.as_bytes());
    assert_eq!(v.decrypt(&b, "").unwrap(), plain.as_bytes());

    for id in [None, Some("default"), Some("")] {
        let t = encrypt(b"", b"pw", id).unwrap();
        assert!(t.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"), "{id:?}");
        assert_eq!(vault(&[("x", "pw")]).decrypt(&t, "").unwrap(), b"");
    }
    // binary input
    let bytes: Vec<u8> = (0..=255).collect();
    let t = encrypt(&bytes, b"\xff\x00pw", None).unwrap();
    let v = Vault::new(vec![VaultSecret::new("default", b"\xff\x00pw".to_vec())]);
    assert_eq!(v.decrypt(&t, "").unwrap(), bytes);
}

#[test]
fn encrypt_refusals() {
    assert_eq!(
        encrypt(HELLO.as_bytes(), b"pw", None)
            .unwrap_err()
            .to_string(),
        "input is already encrypted"
    );
    assert_eq!(
        encrypt_with_salt(b"x", b"pw", None, b"")
            .unwrap_err()
            .to_string(),
        "Empty or invalid salt passed to encrypt()"
    );
}

#[test]
fn encrypt_secret_selection() {
    let v = vault(&[("a", "1"), ("b", "2")]);
    assert_eq!(v.encrypt_secret(None).unwrap().label, "a");
    assert_eq!(v.encrypt_secret(Some("b")).unwrap().label, "b");
    assert_eq!(
        v.encrypt_secret(Some("c")).unwrap_err().to_string(),
        "Did not find a match for --encrypt-vault-id=c in the known vault-ids ['a', 'b']"
    );
    assert_eq!(
        Vault::new(Vec::new())
            .encrypt_secret(None)
            .unwrap_err()
            .to_string(),
        "A vault password must be specified to encrypt data"
    );
}

#[test]
fn secrets_never_show_in_debug_output() {
    let s = secret("dev", "topsecret");
    let shown = format!("{s:?} {:?}", Vault::new(vec![s.clone()]));
    assert!(!shown.contains("topsecret"), "{shown}");
    assert!(shown.contains("dev"));
}

// ---------------------------------------------------------------------------
// robustness

/// xorshift64*: reproducible pseudo-random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_and_damaged_input_never_panics() {
    let v = vault(&[("default", "hunter2"), ("dev", "devpass")]);
    let strict = vault(&[("dev", "devpass")]).with_id_match(true);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seeds = [HELLO, LABELLED_DEV, EMPTY, BLOCK_PROD, BAD_PADDING];
    let alphabet = b"$ANSIBLE_VAULT;1.2AES256\n\r 0123456789abcdefABCDEFxyz\x00\xff;@";
    let mut decrypted = 0;
    for round in 0..400 {
        let seed = seeds[round % seeds.len()].as_bytes();
        let mut data: Vec<u8> = match round % 4 {
            // truncated
            0 => seed[..rng.below(seed.len() + 1)].to_vec(),
            // a few bytes overwritten from a vault-ish alphabet
            1 => {
                let mut d = seed.to_vec();
                for _ in 0..=rng.below(4) {
                    let at = rng.below(d.len());
                    d[at] = alphabet[rng.below(alphabet.len())];
                }
                d
            }
            // header followed by random alphabet soup
            2 => {
                let mut d = b"$ANSIBLE_VAULT;1.1;AES256\n".to_vec();
                for _ in 0..rng.below(300) {
                    d.push(alphabet[rng.below(alphabet.len())]);
                }
                d
            }
            // random bytes
            _ => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        };
        if round % 8 == 5 {
            // keep a hex body that decodes, with random inner fields
            let fields: Vec<Vec<u8>> = (0..rng.below(5))
                .map(|_| {
                    (0..rng.below(70))
                        .map(|_| b"0123456789abcdef\n"[rng.below(17)])
                        .collect()
                })
                .collect();
            data = b"$ANSIBLE_VAULT;1.2;AES256;dev\n".to_vec();
            data.extend(format::hexlify(&fields.join(&b'\n')));
        }
        let _ = is_encrypted(&data);
        if let Ok(envelope) = parse_envelope(&data) {
            let _ = parse_payload(&envelope.body);
        }
        if v.decrypt_bytes(&data, "fuzz").is_ok() {
            decrypted += 1;
        }
        let _ = strict.decrypt_bytes(&data, "");
        let text = String::from_utf8_lossy(&data);
        let _ = v.decrypt_value(&Value::Vault(text.into_owned()));
    }
    // Truncation can leave a valid envelope (e.g. only the final newline
    // cut); anything that decrypts must have kept its authentic payload.
    assert!(decrypted < 400);
}

// ---------------------------------------------------------------------------
// secrets: sources

#[test]
fn plain_password_file_is_trimmed() {
    let dir = scratch("plain");
    let f = write_file(&dir, "pw", b" \t s3cret pass \x0b\x0c \r\n\n", false);
    let options = SecretOptions {
        password_files: vec![f],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(result.unwrap(), [pair("default", "s3cret pass")]);
    assert!(warnings.is_empty());
    // ... and it decrypts what ansible encrypted with that file.
    let (secrets, _) = (options.load(&no_prompt, &mut |_| {}).unwrap(), ());
    assert!(Vault::new(secrets).decrypt(MULTILINE, "").is_ok());
}

#[test]
fn script_output_keeps_spaces_but_not_newlines() {
    let _serial = spawn_lock();
    let dir = scratch("script");
    let s = write_file(
        &dir,
        "pass.sh",
        b"#!/bin/sh\nprintf '\\r\\n  hunter2 \\n\\r\\n'\n",
        true,
    );
    let options = SecretOptions {
        vault_ids: vec![format!("ops@{}", s.display())],
        ..SecretOptions::default()
    };
    assert_eq!(load(&options).0.unwrap(), [pair("ops", "  hunter2 ")]);
    let s = write_file(&dir, "ok.sh", b"#!/bin/sh\necho hunter2\n", true);
    let options = SecretOptions {
        password_files: vec![s],
        ..SecretOptions::default()
    };
    let secrets = options.load(&no_prompt, &mut |_| {}).unwrap();
    assert_eq!(
        Vault::new(secrets).decrypt(HELLO, "").unwrap(),
        b"hello world"
    );
}

#[test]
fn labels_come_from_the_vault_id() {
    let dir = scratch("labels");
    let f = write_file(&dir, "pw", b"devpass\n", false);
    let f = f.display();
    let options = SecretOptions {
        vault_ids: vec![format!("dev@{f}"), format!("@{f}"), format!("{f}")],
        ..SecretOptions::default()
    };
    assert_eq!(
        load(&options).0.unwrap(),
        [
            pair("dev", "devpass"),
            pair("default", "devpass"),
            pair("default", "devpass")
        ]
    );
    let options = SecretOptions {
        default_identity: "mine".into(),
        vault_ids: vec![format!("{f}")],
        password_files: vec![PathBuf::from(f.to_string())],
        ..SecretOptions::default()
    };
    assert_eq!(
        load(&options).0.unwrap(),
        [pair("mine", "devpass"), pair("mine", "devpass")]
    );
}

#[test]
fn sources_are_read_in_ansible_order() {
    let dir = scratch("order");
    let p = |name: &str| {
        write_file(&dir, name, name.as_bytes(), false)
            .display()
            .to_string()
    };
    let (a, b, c, d) = (p("a"), p("b"), p("c"), p("d"));
    let prompts = RefCell::new(Vec::new());
    let prompt = |text: &str| {
        prompts.borrow_mut().push(text.to_string());
        Ok("asked".to_string())
    };
    let options = SecretOptions {
        default_identity_list: vec![format!("cfg@{a}")],
        vault_ids: vec![format!("cli@{b}"), "p@prompt".into()],
        password_files: vec![PathBuf::from(&c)],
        default_password_file: Some(PathBuf::from(&d)),
        ask_vault_pass: true,
        ..SecretOptions::default()
    };
    assert_eq!(
        options.slugs(),
        [
            format!("cfg@{a}"),
            format!("cli@{b}"),
            "p@prompt".into(),
            format!("default@{c}"),
            format!("default@{d}"),
            "default@prompt_ask_vault_pass".into(),
        ]
    );
    assert_eq!(
        load_with(&options, &prompt).0.unwrap(),
        [
            pair("cfg", "a"),
            pair("cli", "b"),
            pair("p", "asked"),
            pair("default", "c"),
            pair("default", "d"),
            pair("default", "asked"),
        ]
    );
    assert_eq!(
        *prompts.borrow(),
        ["Vault password (p): ", "Vault password: "]
    );
}

#[test]
fn auto_prompt_only_without_any_source() {
    let asked = RefCell::new(0);
    let prompt = |_: &str| {
        *asked.borrow_mut() += 1;
        Ok("pw".to_string())
    };
    let options = SecretOptions::default();
    assert_eq!(load_with(&options, &prompt).0.unwrap(), []);
    let options = SecretOptions {
        auto_prompt: true,
        ..SecretOptions::default()
    };
    assert_eq!(
        load_with(&options, &prompt).0.unwrap(),
        [pair("default", "pw")]
    );
    assert_eq!(*asked.borrow(), 1);
}

#[test]
fn client_scripts_get_the_label() {
    let _serial = spawn_lock();
    let dir = scratch("client");
    let script = b"#!/bin/sh\n\
        echo \"args:$*\" >&2\n\
        if [ \"$2\" = dev ] || [ \"$2\" = default ]; then echo devpass; exit 0; fi\n\
        echo \"no such id $2\" >&2\n\
        exit 2\n";
    let client = write_file(&dir, "my-client.sh", script, true);
    let c = client.display().to_string();
    let options = SecretOptions {
        vault_ids: vec![format!("dev@{c}")],
        password_files: vec![client.clone()],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(
        result.unwrap(),
        [pair("dev", "devpass"), pair("default", "devpass")]
    );
    assert!(warnings.is_empty());

    let options = SecretOptions {
        vault_ids: vec![format!("other@{c}")],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    let want = format!(
        "Vault password client script {c} did not find a secret for vault-id=other: \
         b'args:--vault-id other\\nno such id other\\n'"
    );
    assert_eq!(result.unwrap_err(), want);
    assert_eq!(
        warnings,
        [format!(
            "Error in vault password file loading (other): {want}"
        )]
    );

    // Without a label the script gets no arguments.
    let options = SecretOptions {
        vault_ids: vec![c.clone()],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    let want = format!(
        "Vault password client script {c} did not find a secret for vault-id=None: \
         b'args:\\nno such id \\n'"
    );
    assert_eq!(result.unwrap_err(), want);
    assert_eq!(
        warnings,
        [format!(
            "Error in vault password file loading (None): {want}"
        )]
    );

    let bad = write_file(
        &dir,
        "bad-client",
        b"#!/bin/sh\necho boom >&2\nexit 5\n",
        true,
    );
    let options = SecretOptions {
        vault_ids: vec![format!("x@{}", bad.display())],
        ..SecretOptions::default()
    };
    assert_eq!(
        load(&options).0.unwrap_err(),
        format!(
            "Vault password client script {} returned non-zero (5) when getting secret for vault-id=x: b'boom\\n'",
            bad.display()
        )
    );
}

#[test]
fn client_script_names() {
    for yes in [
        "my-client",
        "my-client.py",
        "/a/b/vault-client.sh",
        "dir.d/x-client",
        ".hidden-client",
    ] {
        assert!(is_client_script_name(yes), "{yes}");
    }
    for no in [
        "client",
        "my-client.tar.gz",
        "myclient.py",
        "/a/b-client/script",
        "x-client/",
    ] {
        assert!(!is_client_script_name(no), "{no}");
    }
}

#[test]
fn failing_sources_warn_and_the_last_error_wins_only_when_nothing_loaded() {
    let dir = scratch("failing");
    let good = write_file(&dir, "good", b"pw\n", false);
    let empty = write_file(&dir, "empty", b" \n\n", false);
    let missing = dir.join("missing");
    let d = dir.display();
    let options = SecretOptions {
        vault_ids: vec![
            format!("a@{}", missing.display()),
            format!("{}", empty.display()),
            format!("{d}"),
        ],
        password_files: vec![good],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(result.unwrap(), [pair("default", "pw")]);
    assert_eq!(
        warnings,
        [
            format!(
                "Error getting vault password file (a): The vault password file {d}/missing was not found"
            ),
            format!(
                "Error in vault password file loading (None): Invalid vault password was provided from file ({d}/empty)"
            ),
            format!(
                "Error getting vault password file (None): The vault password file provided '{d}' can not be a directory"
            ),
        ]
    );
    // Without the good file, the last failure is the error.
    let options = SecretOptions {
        password_files: vec![missing.clone(), empty.clone()],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(
        result.unwrap_err(),
        format!("Invalid vault password was provided from file ({d}/empty)")
    );
    assert_eq!(
        warnings[0],
        format!(
            "Error getting vault password file (default): The vault password file {d}/missing was not found"
        )
    );
}

#[test]
fn failing_scripts() {
    let _serial = spawn_lock();
    let dir = scratch("scripts");
    let d = dir.display();
    let fail = write_file(&dir, "fail.sh", b"#!/bin/sh\nexit 3\n", true);
    let empty = write_file(&dir, "empty.sh", b"#!/bin/sh\nprintf '\\r\\n'\n", true);
    let noshebang = write_file(&dir, "noshebang", b"not a script\n", true);
    let killed = write_file(&dir, "killed.sh", b"#!/bin/sh\nkill -9 $$\n", true);
    let cases = [
        (
            fail,
            format!("Vault password script {d}/fail.sh returned non-zero (3): None"),
        ),
        (
            empty,
            format!("Invalid vault password was provided from script ({d}/empty.sh)"),
        ),
        (
            noshebang,
            format!(
                "Problem running vault password script {d}/noshebang ([Errno 8] Exec format error: '{d}/noshebang'). \
                 If this is not a script, remove the executable bit from the file."
            ),
        ),
        (
            killed,
            format!("Vault password script {d}/killed.sh returned non-zero (-9): None"),
        ),
    ];
    for (path, want) in cases {
        let options = SecretOptions {
            password_files: vec![path],
            ..SecretOptions::default()
        };
        let (result, warnings) = load(&options);
        assert_eq!(result.unwrap_err(), want);
        assert_eq!(
            warnings,
            [format!(
                "Error in vault password file loading (default): {want}"
            )]
        );
    }
}

#[test]
fn relative_paths_resolve_against_cwd_and_are_shown_absolute() {
    let dir = scratch("relative");
    write_file(&dir, "pw", b"rel\n", false);
    std::fs::create_dir(dir.join("sub")).unwrap();
    let options = SecretOptions {
        vault_ids: vec!["r@sub/../pw".into(), "./nope".into()],
        cwd: Some(dir.to_path_buf()),
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(result.unwrap(), [pair("r", "rel")]);
    assert_eq!(
        warnings,
        [format!(
            "Error getting vault password file (None): The vault password file {}/nope was not found",
            dir.display()
        )]
    );
}

#[test]
fn vaulted_password_file_uses_earlier_secrets() {
    let dir = scratch("vaulted-pw");
    let first = write_file(&dir, "first", b"hunter2\n", false);
    let inner = encrypt(b"devpass\r\n", b"hunter2", None).unwrap();
    let second = write_file(&dir, "second", format!("  {inner}  ").as_bytes(), false);
    let options = SecretOptions {
        vault_ids: vec![format!("dev@{}", second.display())],
        password_files: vec![first.clone()],
        ..SecretOptions::default()
    };
    // The password files come after the --vault-ids: nothing to decrypt with yet.
    let (result, warnings) = load(&options);
    assert_eq!(result.unwrap(), [pair("default", "hunter2")]);
    assert_eq!(
        warnings,
        [
            "Error in vault password file loading (dev): A vault password must be specified to decrypt data."
        ]
    );
    let options = SecretOptions {
        vault_ids: vec![
            format!("{}", first.display()),
            format!("dev@{}", second.display()),
        ],
        ..SecretOptions::default()
    };
    let (result, warnings) = load(&options);
    assert_eq!(
        result.unwrap(),
        [pair("default", "hunter2"), pair("dev", "devpass")]
    );
    assert!(warnings.is_empty());
}

// ---------------------------------------------------------------------------
// secrets: prompts

#[test]
fn prompts_strip_and_confirm() {
    let answers = RefCell::new(vec!["  new pw \t".to_string(), "new pw".to_string()]);
    let shown = RefCell::new(Vec::new());
    let prompt = |text: &str| {
        shown.borrow_mut().push(text.to_string());
        Ok(answers.borrow_mut().remove(0))
    };
    let options = SecretOptions {
        vault_ids: vec!["dev@prompt".into()],
        create_new_password: true,
        ..SecretOptions::default()
    };
    assert_eq!(
        load_with(&options, &prompt).0.unwrap(),
        [pair("dev", "new pw")]
    );
    assert_eq!(
        *shown.borrow(),
        [
            "New vault password (dev): ",
            "Confirm new vault password (dev): "
        ]
    );

    let answers = RefCell::new(vec!["a".to_string(), "b".to_string()]);
    let prompt = |_: &str| Ok(answers.borrow_mut().remove(0));
    let options = SecretOptions {
        ask_vault_pass: true,
        create_new_password: true,
        ..SecretOptions::default()
    };
    let (result, warnings) = load_with(&options, &prompt);
    assert_eq!(result.unwrap_err(), "Passwords do not match");
    assert_eq!(
        warnings,
        ["Error in vault password prompt (default): Passwords do not match"]
    );
}

#[test]
fn prompt_failures_are_fatal_at_once() {
    let dir = scratch("prompt-fail");
    let good = write_file(&dir, "good", b"pw", false);
    let eof = |_: &str| Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
    let options = SecretOptions {
        vault_ids: vec!["prompt".into()],
        password_files: vec![good],
        ..SecretOptions::default()
    };
    let (result, warnings) = load_with(&options, &eof);
    assert_eq!(
        result.unwrap_err(),
        "EOFError (ctrl-d) on prompt for (default)"
    );
    assert_eq!(
        warnings,
        ["Error in vault password prompt (None): EOFError (ctrl-d) on prompt for (default)"]
    );
    let empty = |_: &str| Ok(String::new());
    let options = SecretOptions {
        vault_ids: vec!["x@prompt".into()],
        ..SecretOptions::default()
    };
    let (result, warnings) = load_with(&options, &empty);
    assert_eq!(result.unwrap_err(), "Invalid vault password was provided");
    assert_eq!(
        warnings,
        ["Error in vault password prompt (x): Invalid vault password was provided"]
    );
}

// ---------------------------------------------------------------------------
// small helpers

#[test]
fn split_vault_id_at_first_at() {
    assert_eq!(split_vault_id("dev@a@b"), (Some("dev"), "a@b"));
    assert_eq!(split_vault_id("@prompt"), (Some(""), "prompt"));
    assert_eq!(split_vault_id("file"), (None, "file"));
}

#[test]
fn unfrack_normalises_like_python() {
    let cwd = Path::new("/work/dir");
    let cases = [
        ("a/b", "/work/dir/a/b"),
        ("./a/../b/", "/work/dir/b"),
        ("/x//y/./z/..", "/x/y"),
        ("../../../..", "/"),
        ("//net/x", "//net/x"),
        ("///x", "/x"),
        ("", "/work/dir"),
        (
            "$MITORUN_SURELY_UNSET_VAR/x",
            "/work/dir/$MITORUN_SURELY_UNSET_VAR/x",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(unfrack_path(input, cwd), PathBuf::from(want), "{input}");
    }
    if let Ok(home) = std::env::var("HOME") {
        let home = home.trim_end_matches('/');
        assert_eq!(
            unfrack_path("~/pw", cwd),
            PathBuf::from(format!("{home}/pw").replace("//", "/"))
        );
    }
}

#[test]
fn python_bytes_repr_matches() {
    assert_eq!(python_bytes_repr(b""), "b''");
    assert_eq!(python_bytes_repr(b"boom\n"), "b'boom\\n'");
    assert_eq!(python_bytes_repr(b"it's"), "b\"it's\"");
    assert_eq!(python_bytes_repr(b"'\""), "b'\\'\"'");
    assert_eq!(
        python_bytes_repr(b"\x00\t\\\x7f\xff"),
        "b'\\x00\\t\\\\\\x7f\\xff'"
    );
}
