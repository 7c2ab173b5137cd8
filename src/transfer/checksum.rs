//! CRC checksums as S3 carries them: base64 of the big-endian value, and
//! combined from the CRCs of consecutive pieces.
//!
//! Combining is what lets a file be downloaded in parallel ranges and still be
//! checked against the object's one full-object checksum, and lets a
//! multipart upload send the whole file's CRC to be checked by S3.

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::types::ChecksumType;
use crc_fast::CrcAlgorithm;

/// The CRC algorithms S3 offers for full-object checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Crc {
    /// CRC-32 (ISO HDLC), `x-amz-checksum-crc32`: what this tool uploads with.
    Crc32,
    /// CRC-32C (Castagnoli), `x-amz-checksum-crc32c`.
    Crc32c,
    /// CRC-64/NVME, `x-amz-checksum-crc64nvme`.
    Crc64Nvme,
}

impl Crc {
    /// The matching algorithm of the `crc-fast` crate.
    pub(crate) fn algorithm(self) -> CrcAlgorithm {
        match self {
            Self::Crc32 => CrcAlgorithm::Crc32IsoHdlc,
            Self::Crc32c => CrcAlgorithm::Crc32Iscsi,
            Self::Crc64Nvme => CrcAlgorithm::Crc64Nvme,
        }
    }

    /// How many bytes the checksum has on the wire.
    fn width(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
        }
    }

    /// The name S3 uses for it, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
        }
    }

    /// Decode a base64 checksum as S3 sends it; `None` when it is not one
    /// value of this width (a composite `...-N` checksum, say).
    pub(crate) fn decode(self, text: &str) -> Option<u64> {
        let bytes = aws_smithy_types::base64::decode(text).ok()?;
        if bytes.len() != self.width() {
            return None;
        }
        Some(
            bytes
                .iter()
                .fold(0, |value, byte| (value << 8) | u64::from(*byte)),
        )
    }

    /// Encode a checksum the way S3 expects it.
    pub(crate) fn encode(self, value: u64) -> String {
        let bytes = value.to_be_bytes();
        aws_smithy_types::base64::encode(&bytes[8 - self.width()..])
    }

    /// The checksum of consecutive pieces, given each piece's checksum and
    /// length in order. An empty list is the checksum of no bytes.
    pub(crate) fn combine(self, pieces: impl IntoIterator<Item = (u64, u64)>) -> u64 {
        let mut pieces = pieces.into_iter();
        let Some((first, _)) = pieces.next() else {
            return crc_fast::checksum(self.algorithm(), b"");
        };
        pieces.fold(first, |whole, (crc, length)| {
            crc_fast::checksum_combine(self.algorithm(), whole, crc, length)
        })
    }
}

/// What a download can check the received bytes against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A full-object CRC: checkable however the object is split into ranges.
    Crc(Crc, u64),
    /// A full-object SHA checksum: checkable only when the object is read in
    /// one piece, which the SDK then does.
    Sequential,
    /// Only a composite checksum, named here: the checksum of the parts'
    /// checksums of a multipart upload, which the object's bytes alone
    /// cannot be checked against.
    Composite(&'static str),
    /// No checksum stored.
    Nothing,
}

impl Expected {
    /// What `HeadObject` (asked with checksum mode on) says can be checked.
    pub(crate) fn from_head(head: &HeadObjectOutput) -> Self {
        let stored = Stored {
            kind: head.checksum_type(),
            values: [
                ("CRC64NVME", head.checksum_crc64_nvme()),
                ("CRC32", head.checksum_crc32()),
                ("CRC32C", head.checksum_crc32_c()),
                ("SHA256", head.checksum_sha256()),
                ("SHA1", head.checksum_sha1()),
            ],
        };
        if let Some(name) = stored.composite() {
            return Self::Composite(name);
        }
        let crcs = [
            (Crc::Crc64Nvme, head.checksum_crc64_nvme()),
            (Crc::Crc32, head.checksum_crc32()),
            (Crc::Crc32c, head.checksum_crc32_c()),
        ];
        for (crc, text) in crcs {
            if let Some(value) = text.and_then(|text| crc.decode(text)) {
                return Self::Crc(crc, value);
            }
        }
        if head.checksum_sha256().is_some() || head.checksum_sha1().is_some() {
            Self::Sequential
        } else {
            Self::Nothing
        }
    }
}

/// The checksums an object was stored with, as `HeadObject` or `GetObject`
/// (with checksum mode on) report them.
struct Stored<'a> {
    /// `x-amz-checksum-type`: `COMPOSITE` or `FULL_OBJECT`.
    kind: Option<&'a ChecksumType>,
    /// Each algorithm's name and value.
    values: [(&'static str, Option<&'a str>); 5],
}

impl Stored<'_> {
    /// The algorithm's name when all the object has is a composite
    /// checksum: S3 says so in `x-amz-checksum-type`, and ends the value
    /// with `-N`, the number of parts.
    fn composite(&self) -> Option<&'static str> {
        let (name, value) = self
            .values
            .iter()
            .find_map(|(name, value)| value.map(|value| (*name, value)))?;
        let suffixed = value.rsplit_once('-').is_some_and(|(_, parts)| {
            !parts.is_empty() && parts.bytes().all(|b| b.is_ascii_digit())
        });
        (self.kind == Some(&ChecksumType::Composite) || suffixed).then_some(name)
    }
}

/// The composite checksum's algorithm, when that is all a `GetObject`
/// answer carries: the SDK then checks nothing, and the user must be told.
pub(crate) fn composite_of(object: &GetObjectOutput) -> Option<&'static str> {
    Stored {
        kind: object.checksum_type(),
        values: [
            ("CRC64NVME", object.checksum_crc64_nvme()),
            ("CRC32", object.checksum_crc32()),
            ("CRC32C", object.checksum_crc32_c()),
            ("SHA256", object.checksum_sha256()),
            ("SHA1", object.checksum_sha1()),
        ],
    }
    .composite()
}

/// Whether transfers send and ask for checksums: yes, unless the AWS
/// settings `request_checksum_calculation` / `response_checksum_validation`
/// (or `AWS_REQUEST_CHECKSUM_CALCULATION` / `AWS_RESPONSE_CHECKSUM_VALIDATION`)
/// say `when_required`, as some S3-compatible services reject the headers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checksums {
    /// Send a CRC-32 with every upload (`x-amz-checksum-*`).
    pub(crate) send: bool,
    /// Ask for the stored checksum on downloads (`x-amz-checksum-mode`),
    /// and check the data against it.
    pub(crate) ask: bool,
}

impl Checksums {
    /// What the S3 client's configuration says.
    pub(crate) fn of(s3: &aws_sdk_s3::Client) -> Self {
        use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
        let config = s3.config();
        Self {
            send: config.request_checksum_calculation()
                != Some(&RequestChecksumCalculation::WhenRequired),
            ask: config.response_checksum_validation()
                != Some(&ResponseChecksumValidation::WhenRequired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes_like_s3() {
        // CRC-32 of "hello world" is 0x0d4a1185, which S3 shows as `DUoRhQ==`.
        let crc = crc_fast::checksum(Crc::Crc32.algorithm(), b"hello world");
        assert_eq!(crc, 0x0d4a_1185);
        assert_eq!(Crc::Crc32.encode(crc), "DUoRhQ==");
        assert_eq!(Crc::Crc32.decode("DUoRhQ=="), Some(crc));
        let crc64 = crc_fast::checksum(Crc::Crc64Nvme.algorithm(), b"hello world");
        assert_eq!(
            Crc::Crc64Nvme.decode(&Crc::Crc64Nvme.encode(crc64)),
            Some(crc64)
        );
        assert_eq!(Crc::Crc32.decode("DUoRhQ==-3"), None);
        assert_eq!(Crc::Crc64Nvme.decode("DUoRhQ=="), None);
    }

    #[test]
    fn combined_pieces_equal_the_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for crc in [Crc::Crc32, Crc::Crc32c, Crc::Crc64Nvme] {
            let whole = crc_fast::checksum(crc.algorithm(), &data);
            let pieces = data.chunks(3_000).map(|piece| {
                (
                    crc_fast::checksum(crc.algorithm(), piece),
                    piece.len() as u64,
                )
            });
            assert_eq!(crc.combine(pieces), whole, "{}", crc.name());
        }
        assert_eq!(
            Crc::Crc64Nvme.combine([]),
            crc_fast::checksum(CrcAlgorithm::Crc64Nvme, b"")
        );
    }

    #[test]
    fn head_answers_say_what_can_be_checked() {
        let head = HeadObjectOutput::builder()
            .checksum_crc32("DUoRhQ==")
            .build();
        assert_eq!(
            Expected::from_head(&head),
            Expected::Crc(Crc::Crc32, 0x0d4a_1185)
        );
        let composite = HeadObjectOutput::builder()
            .checksum_crc32("DUoRhQ==-3")
            .build();
        assert_eq!(
            Expected::from_head(&composite),
            Expected::Composite("CRC32")
        );
        // The type alone says so too, even where the suffix is missing.
        let typed = HeadObjectOutput::builder()
            .checksum_crc32_c("DUoRhQ==")
            .checksum_type(ChecksumType::Composite)
            .build();
        assert_eq!(Expected::from_head(&typed), Expected::Composite("CRC32C"));
        let sha_parts = HeadObjectOutput::builder().checksum_sha1("abc=-12").build();
        assert_eq!(Expected::from_head(&sha_parts), Expected::Composite("SHA1"));
        let full = HeadObjectOutput::builder()
            .checksum_crc32("DUoRhQ==")
            .checksum_type(ChecksumType::FullObject)
            .build();
        assert_eq!(
            Expected::from_head(&full),
            Expected::Crc(Crc::Crc32, 0x0d4a_1185)
        );
        let sha = HeadObjectOutput::builder().checksum_sha256("abc=").build();
        assert_eq!(Expected::from_head(&sha), Expected::Sequential);
        assert_eq!(
            Expected::from_head(&HeadObjectOutput::builder().build()),
            Expected::Nothing
        );
    }
}
