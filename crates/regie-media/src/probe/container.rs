//! Maps ffprobe's demuxer names (`mov,mp4,m4a,3gp,3g2,mj2`) to regie's short container names,
//! using the sniffed format and the MP4 brand to settle what the demuxer name leaves open.

use regie_core::FileFormat;

/// The normalised container name.
pub(crate) fn normalise_container(format_name: &str, major_brand: Option<&str>, sniffed: FileFormat) -> String {
    let first = format_name.split(',').next().unwrap_or(format_name);
    let name = match first {
        "mov" => match (sniffed, major_brand.map(str::trim)) {
            (_, Some("qt")) => "mov",
            (FileFormat::Mov, None) => "mov",
            _ => "mp4",
        },
        "matroska" => {
            if sniffed == FileFormat::Webm {
                "webm"
            } else {
                "matroska"
            }
        }
        "mpeg" => "mpegps",
        "image2" | "jpeg_pipe" | "mjpeg" => match sniffed {
            FileFormat::Png | FileFormat::Tiff | FileFormat::Gif | FileFormat::Webp => sniffed.as_str(),
            _ => "jpeg",
        },
        "png_pipe" | "apng" => "png",
        "tiff_pipe" => "tiff",
        "dpx_pipe" => "dpx",
        "exr_pipe" => "exr",
        "gif_pipe" => "gif",
        "webp_pipe" => "webp",
        "w64" => "wav",
        other => other,
    };
    name.to_owned()
}

/// Whether the container holds a still image rather than a timeline.
pub(crate) fn is_still_image(container: &str) -> bool {
    matches!(container, "jpeg" | "png" | "tiff" | "gif" | "webp" | "bmp" | "dpx" | "exr")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_family_is_settled_by_brand() {
        assert_eq!(normalise_container("mov,mp4,m4a,3gp,3g2,mj2", Some("qt  "), FileFormat::Mov), "mov");
        assert_eq!(normalise_container("mov,mp4,m4a,3gp,3g2,mj2", Some("isom"), FileFormat::Mp4), "mp4");
    }

    #[test]
    fn matroska_family_is_settled_by_doctype() {
        assert_eq!(normalise_container("matroska,webm", None, FileFormat::Webm), "webm");
        assert_eq!(normalise_container("matroska,webm", None, FileFormat::Matroska), "matroska");
    }

    #[test]
    fn image_pipes_are_named_by_format() {
        assert_eq!(normalise_container("png_pipe", None, FileFormat::Png), "png");
        assert_eq!(normalise_container("image2", None, FileFormat::Jpeg), "jpeg");
        assert_eq!(normalise_container("jpeg_pipe", None, FileFormat::Jpeg), "jpeg");
        assert_eq!(normalise_container("mpegts", None, FileFormat::Mpegts), "mpegts");
        assert_eq!(normalise_container("dpx_pipe", None, FileFormat::Dpx), "dpx");
        assert_eq!(normalise_container("exr_pipe", None, FileFormat::Exr), "exr");
    }
}
