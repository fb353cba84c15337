//! A self-signed X.509 certificate in PEM, written in DER by hand: no crate in the tree makes
//! certificates, and this one needs only a key, a name and a validity.

use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

/// ecdsa-with-SHA256, id-ecPublicKey, prime256v1, commonName.
const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5).
fn der_time(unix: i64) -> Vec<u8> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.year() < 2050 {
        tlv(0x17, format!("{:02}{rest}", t.year() % 100).as_bytes())
    } else {
        tlv(0x18, format!("{:04}{rest}", t.year()).as_bytes())
    }
}

/// A fresh P-256 key's self-signed certificate for `common_name`, valid between the two
/// instants (epoch seconds), as PEM. The private key is thrown away: AWS keeps it to itself.
pub fn self_signed_pem(common_name: &str, not_before: i64, not_after: i64) -> String {
    let der = self_signed_der(common_name, not_before, not_after);
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn self_signed_der(common_name: &str, not_before: i64, not_after: i64) -> Vec<u8> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("P-256 key");
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).expect("own key");
    // A positive 16-byte serial.
    let mut serial = [0u8; 16];
    rng.fill(&mut serial).expect("random serial");
    serial[0] = (serial[0] & 0x7F) | 0x01;
    let name = seq(&[&tlv(0x31, &seq(&[COMMON_NAME, &tlv(0x0C, common_name.as_bytes())]))]);
    let algorithm = seq(&[ECDSA_SHA256]);
    let mut key_bits = vec![0u8];
    key_bits.extend_from_slice(key.public_key().as_ref());
    let public_key = seq(&[&seq(&[EC_PUBLIC_KEY, P256]), &tlv(0x03, &key_bits)]);
    let tbs = seq(&[
        &tlv(0xA0, &tlv(0x02, &[2])),
        &tlv(0x02, &serial),
        &algorithm,
        &name,
        &seq(&[&der_time(not_before), &der_time(not_after)]),
        &name,
        &public_key,
    ]);
    let signature = key.sign(&rng, &tbs).expect("signature");
    let mut sig_bits = vec![0u8];
    sig_bits.extend_from_slice(signature.as_ref());
    seq(&[&tbs, &algorithm, &tlv(0x03, &sig_bits)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

    /// (tag, content, rest) of the DER element at the start of `der`.
    fn read(der: &[u8]) -> (u8, &[u8], &[u8]) {
        let (len, start) = match der[1] {
            n if n < 0x80 => (n as usize, 2),
            n => {
                let count = (n & 0x7F) as usize;
                let len = der[2..2 + count].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
                (len, 2 + count)
            }
        };
        (der[0], &der[start..start + len], &der[start + len..])
    }

    #[test]
    fn lengths() {
        assert_eq!(tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        assert_eq!(&tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2C]);
        assert_eq!(der_time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(der_time(2_524_608_000), tlv(0x18, b"20500101000000Z"));
    }

    #[test]
    fn the_certificate_is_signed_by_its_own_key() {
        let der = self_signed_der("portico", 1_700_000_000, 1_731_536_000);
        let (tag, cert, rest) = read(&der);
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (_, _, after_tbs) = read(cert);
        let tbs = &cert[..cert.len() - after_tbs.len()];
        let (_, _, after_alg) = read(after_tbs);
        let (tag, sig_bits, _) = read(after_alg);
        assert_eq!(tag, 0x03);
        // The key: the TBS's seventh element, a BIT STRING inside SubjectPublicKeyInfo.
        let (_, mut fields, _) = read(tbs);
        for _ in 0..6 {
            fields = read(fields).2;
        }
        let (_, spki, _) = read(fields);
        let (_, key_bits, _) = read(read(spki).2);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &key_bits[1..])
            .verify(tbs, &sig_bits[1..])
            .unwrap();
        let pem = self_signed_pem("portico", 0, 1);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\nMII"));
        assert!(pem.lines().all(|l| l.len() <= 64));
    }
}
