//! The metadata sidecar delivered beside the media, in the destination's form (regie JSON,
//! EBUCore XML or CSV), and the `.md5` manifest that lists what was delivered.

use regie_core::MediaDescription;
use regie_core::destination::SidecarForm;
use regie_db::AssetRecord;

/// The sidecar's text for `asset`, describing `media_name` (the delivered media file).
pub(crate) fn sidecar_text(
    form: SidecarForm,
    asset: &AssetRecord,
    media_name: &str,
    media: Option<&MediaDescription>,
    md5: &str,
    size: u64,
) -> Option<String> {
    match form {
        SidecarForm::None => None,
        SidecarForm::Json => Some(json(asset, media_name, media, md5, size)),
        SidecarForm::Ebucore => Some(ebucore(asset, media_name, media, md5, size)),
        SidecarForm::Csv => Some(csv_row(asset, media_name, media, md5, size)),
    }
}

fn json(asset: &AssetRecord, media_name: &str, media: Option<&MediaDescription>, md5: &str, size: u64) -> String {
    let value = serde_json::json!({
        "house_id": asset.house_id,
        "asset_id": asset.id.to_string(),
        "collection": asset.collection,
        "metadata": asset.metadata,
        "tags": asset.tags,
        "file": { "name": media_name, "size": size, "md5": md5, "media": media },
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn csv_row(asset: &AssetRecord, media_name: &str, media: Option<&MediaDescription>, md5: &str, size: u64) -> String {
    let metadata = &asset.metadata;
    let duration = media.and_then(|media| media.duration_s).map(|seconds| format!("{seconds:.3}")).unwrap_or_default();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "house_id",
        "title",
        "series",
        "episode",
        "synopsis",
        "language",
        "rights_holder",
        "air_date",
        "file",
        "size",
        "md5",
        "duration_s",
    ]);
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let _ = writer.write_record([
        asset.house_id.clone(),
        text(&metadata.title),
        text(&metadata.series),
        text(&metadata.episode),
        text(&metadata.synopsis),
        text(&metadata.language),
        text(&metadata.rights_holder),
        text(&metadata.air_date),
        media_name.to_owned(),
        size.to_string(),
        md5.to_owned(),
        duration,
    ]);
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// EBUCore 1.10: identifiers, title, series and episode, description, language, rights holder,
/// and the format of the delivered file (duration, video and audio streams), with its MD5.
fn ebucore(asset: &AssetRecord, media_name: &str, media: Option<&MediaDescription>, md5: &str, size: u64) -> String {
    let metadata = &asset.metadata;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ebucore:ebuCoreMain xmlns:ebucore=\"urn:ebu:metadata-schema:ebucore\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n  <ebucore:coreMetadata>\n",
    );
    let mut element = |name: &str, value: &str| {
        xml.push_str(&format!("    {}\n", tagged(name, value)));
    };
    if let Some(title) = &metadata.title {
        element("title", &format!("<dc:title>{}</dc:title>", escape(title)));
    }
    element("identifier", &format!("<dc:identifier>{}</dc:identifier>", escape(&asset.house_id)));
    if let Some(synopsis) = &metadata.synopsis {
        element("description", &format!("<dc:description>{}</dc:description>", escape(synopsis)));
    }
    if let Some(language) = &metadata.language {
        element("language", &format!("<dc:language>{}</dc:language>", escape(language)));
    }
    if let Some(holder) = &metadata.rights_holder {
        element(
            "rights",
            &format!(
                "<ebucore:rightsHolder><ebucore:contactDetails><ebucore:name>{}</ebucore:name></ebucore:contactDetails></ebucore:rightsHolder>",
                escape(holder)
            ),
        );
    }
    if metadata.series.is_some() || metadata.episode.is_some() {
        let mut part = String::new();
        if let Some(series) = &metadata.series {
            part.push_str(&format!(
                "<ebucore:isEpisodeOf><ebucore:title><dc:title>{}</dc:title></ebucore:title></ebucore:isEpisodeOf>",
                escape(series)
            ));
        }
        if let Some(episode) = &metadata.episode {
            part.push_str(&format!("<ebucore:episodeNumber>{}</ebucore:episodeNumber>", escape(episode)));
        }
        element("relation", &part);
    }
    let mut format = format!(
        "<ebucore:fileName>{}</ebucore:fileName><ebucore:fileSize>{size}</ebucore:fileSize><ebucore:hash><ebucore:hashValue>{md5}</ebucore:hashValue><ebucore:hashFunction typeLabel=\"MD5\"/></ebucore:hash>",
        escape(media_name)
    );
    if let Some(media) = media {
        if let Some(duration) = media.duration_s {
            format.push_str(&format!(
                "<ebucore:duration><ebucore:normalPlayTime>PT{duration:.3}S</ebucore:normalPlayTime></ebucore:duration>"
            ));
        }
        format.push_str(&format!("<ebucore:containerFormat containerFormatName=\"{}\"/>", escape(&media.container)));
        for stream in &media.streams {
            let codec = escape(stream.codec.as_deref().unwrap_or("unknown"));
            match stream.kind {
                regie_core::StreamKind::Video => format.push_str(&format!(
                    "<ebucore:videoFormat><ebucore:width>{}</ebucore:width><ebucore:height>{}</ebucore:height><ebucore:frameRate>{}</ebucore:frameRate><ebucore:codec><ebucore:codecIdentifier><dc:identifier>{codec}</dc:identifier></ebucore:codecIdentifier></ebucore:codec></ebucore:videoFormat>",
                    stream.width.unwrap_or(0),
                    stream.height.unwrap_or(0),
                    stream.frame_rate.map(|rate| rate.to_string()).unwrap_or_default()
                )),
                regie_core::StreamKind::Audio => format.push_str(&format!(
                    "<ebucore:audioFormat><ebucore:samplingRate>{}</ebucore:samplingRate><ebucore:channels>{}</ebucore:channels><ebucore:codec><ebucore:codecIdentifier><dc:identifier>{codec}</dc:identifier></ebucore:codecIdentifier></ebucore:codec></ebucore:audioFormat>",
                    stream.sample_rate.unwrap_or(0),
                    stream.channels.unwrap_or(0)
                )),
                _ => {}
            }
        }
    }
    element("format", &format);
    xml.push_str("  </ebucore:coreMetadata>\n</ebucore:ebuCoreMain>\n");
    xml
}

fn tagged(name: &str, inner: &str) -> String {
    format!("<ebucore:{name}>{inner}</ebucore:{name}>")
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// `MD5  NAME` lines, as `md5sum -c` reads them.
pub(crate) fn manifest_text(files: &[(String, String)]) -> String {
    files.iter().map(|(name, md5)| format!("{md5}  {name}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_reads_as_md5sum_output() {
        let text = manifest_text(&[("a.mxf".into(), "0".repeat(32)), ("a.xml".into(), "f".repeat(32))]);
        assert_eq!(text, format!("{}  a.mxf\n{}  a.xml\n", "0".repeat(32), "f".repeat(32)));
    }
}
