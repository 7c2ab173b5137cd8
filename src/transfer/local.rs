//! How a large object is cut into parts, on either side of a transfer.
//! Which files an upload takes is [`super::walk`]'s; where a download is
//! written is [`super::destination`]'s.

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

/// The part size for an object of `size` bytes: the configured one, or larger
/// when the object would otherwise need more parts than S3 allows.
pub(crate) fn part_size_for(size: u64, part_size: u64) -> u64 {
    part_size.max(size.div_ceil(MAX_PARTS))
}

/// Cut `size` bytes into `(offset, length)` parts of `part_size` bytes (the
/// last one shorter).
pub(crate) fn parts(size: u64, part_size: u64) -> Vec<(u64, u64)> {
    let part_size = part_size.max(1);
    (0..size.div_ceil(part_size))
        .map(|index| {
            let offset = index * part_size;
            (offset, part_size.min(size - offset))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_object_exactly() {
        assert_eq!(parts(10, 4), [(0, 4), (4, 4), (8, 2)]);
        assert_eq!(parts(8, 4), [(0, 4), (4, 4)]);
        assert_eq!(parts(0, 4), []);
        assert_eq!(part_size_for(100, 8), 8);
        assert_eq!(part_size_for(200_000, 8), 20);
    }
}
