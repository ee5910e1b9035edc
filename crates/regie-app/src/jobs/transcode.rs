//! A transcode: the profile queued with the job, planned against the source, made by one ffmpeg
//! process, verified against the plan, then every file of the rendition stored by content.

use regie_core::profile::plan::OutputPlan;
use regie_core::profile::verify::mismatches;
use regie_core::profile::{Container, VideoCodec};
use regie_core::quality::RungQuality;
use regie_db::{JobOutputs, NewRendition, RenditionFile};
use regie_media::transcode_arguments;

use regie_core::profile::Speed;

use super::failure::JobFailure;
use super::speeds;
use super::worker::{Completed, JobContext};
use crate::profiles::parse_profile;

pub(super) async fn run(context: &JobContext) -> Result<Completed, JobFailure> {
    run_with(context, None).await
}

/// The profile queued with the job, as it would run (for a delivery choosing its preset).
pub(super) fn queued_profile(context: &JobContext) -> Result<regie_core::profile::Profile, JobFailure> {
    let name = context.job.payload["profile"].as_str().unwrap_or("unnamed").to_owned();
    let text = context.job.payload["profile_toml"]
        .as_str()
        .ok_or_else(|| JobFailure::permanent("the job carries no profile"))?;
    parse_profile(text, &format!("profile {name} queued with the job")).map_err(JobFailure::from)
}

/// The transcode with the profile's speed, or `speed` in its place (a deadline's preset).
pub(super) async fn run_with(context: &JobContext, speed: Option<Speed>) -> Result<Completed, JobFailure> {
    let mut profile = queued_profile(context)?;
    let name = profile.name.clone();
    if let Some(speed) = speed {
        profile.speed = speed;
    }
    let (asset, source, media) = context.source().await?;
    // Per title: each rung's bit rate chosen from trial encodes; kept beside the fixed ladder.
    let per_title = match context.job.payload.get("per_title").filter(|options| options.is_object()) {
        Some(options) if media.sequence.is_none() => {
            let target = options["target_ssim"].as_f64().unwrap_or(regie_core::profile::per_title::DEFAULT_TARGET_SSIM);
            let (chosen, choices) =
                super::per_title::choose_bitrates(context, &profile, &media, &source, target).await?;
            profile = chosen;
            Some(choices)
        }
        Some(_) => {
            return Err(JobFailure::permanent("per-title bit rates are chosen for video files, not image sequences"));
        }
        None => None,
    };
    let name = if per_title.is_some() { format!("{name}-per-title") } else { name };
    // A screener: the recipient's notice burnt in, one rendition per recipient.
    let recipient = context.job.payload["recipient"].as_str().map(str::to_owned);
    let burn_in = match (&profile.watermark, &recipient) {
        (Some(spec), Some(recipient)) => {
            regie_core::profile::watermark::check_recipient(recipient)
                .map_err(|error| JobFailure::permanent(error.to_string()))?;
            let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
            let text = regie_core::profile::watermark::notice(recipient, &date, &asset.house_id);
            // The recipient's mark on this asset: the same for every copy made for them.
            let mark = match spec.invisible {
                true => {
                    let ordinal =
                        context.regie.db.screener_mark(asset.id, recipient).await.map_err(JobFailure::from)?;
                    Some(regie_core::profile::mark::InvisibleMark::for_ordinal(ordinal))
                }
                false => None,
            };
            Some(regie_core::profile::watermark::BurnIn { text, spec: *spec, mark })
        }
        (Some(_), None) => {
            return Err(JobFailure::permanent(format!("profile {name} makes a screener: the job names no recipient")));
        }
        (None, _) => None,
    };
    let name = match &recipient {
        Some(recipient) if burn_in.is_some() => {
            format!("{name}-{}", regie_core::profile::watermark::recipient_slug(recipient))
        }
        _ => name,
    };
    let mut plan = OutputPlan::new(&profile, &media).map_err(|error| JobFailure::permanent(error.to_string()))?;
    if let Some(video) = plan.video.as_mut() {
        video.burn_in = burn_in.clone();
    }
    if let Some(hdr) = plan.video.as_mut().and_then(|video| video.hdr.as_mut()) {
        // HDR10's mastering display and light levels live in the frames: read from the first.
        match context.regie.prober.hdr_metadata(&source).await {
            Ok((mastering, light)) => (hdr.mastering, hdr.light) = (mastering, light),
            Err(error) => context.log("warn", &format!("the source's HDR mastering data is unreadable: {error}")).await,
        }
    }
    // An image sequence is read frame by frame from links to its frames.
    let sequence = match media.sequence.as_deref() {
        Some(sequence) => Some(context.sequence_input(&source, sequence, &media.container).await?),
        None => None,
    };
    let input: &std::path::Path = sequence.as_ref().map_or(&source, |linked| linked.pattern.as_path());
    let mut arguments = transcode_arguments(&plan, input, &context.work_dir);
    if sequence.is_some() {
        arguments = super::sequence_input::read_as_sequence(arguments, &media);
    }
    let command: Vec<String> = arguments.iter().map(|argument| argument.to_string_lossy().into_owned()).collect();
    let report = context.ffmpeg(&format!("transcode to {name}"), arguments, plan.duration_s, (0.0, 95.0)).await?;
    speeds::record(
        &context.regie.settings.data_dir,
        &name,
        profile.speed,
        plan.duration_s,
        report.elapsed.as_secs_f64(),
    );

    let main_file = plan.container.main_file();
    let mut wrong = Vec::new();
    if plan.container == Container::Cmaf && plan.video.as_ref().is_some_and(|video| video.codec == VideoCodec::Hevc) {
        wrong.extend(complete_hevc_codecs(context, &plan).await);
    }
    let described = context.probe(&context.work_dir.join(main_file)).await?;
    wrong.extend(mismatches(&plan, &described));
    if plan.container == Container::Cmaf {
        wrong.extend(manifest_mismatches(context, &plan).await);
    }
    if !wrong.is_empty() {
        return Err(JobFailure::permanent(format!(
            "the {name} output does not match its profile: {}",
            wrong.join("; ")
        )));
    }

    let quality = match &sequence {
        None if context.regie.settings.jobs.measure_quality => {
            measure_quality(context, &plan, &source, &described).await
        }
        _ => Vec::new(),
    };

    // A protected package: encrypted now, once measured in the clear.
    let encryption = match profile.encryption {
        Some(scheme) => Some(super::protect::protect_package(context, asset.id, &name, scheme).await?),
        None => None,
    };

    let mut files = Vec::new();
    for path in output_files(context).await? {
        let file_name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let (checksums, _) = context.store(&path).await?;
        files.push(RenditionFile {
            media: (file_name == main_file).then(|| described.clone()),
            path: file_name,
            blake3: checksums.blake3.to_string(),
            md5: checksums.md5.to_string(),
            size: checksums.size,
        });
    }
    let size: u64 = files.iter().map(|file| file.size).sum();
    context.log("info", &format!("rendition {name}: {} files, {size} bytes, verified", files.len())).await;
    let result = serde_json::json!({
        "profile": name,
        "main_file": main_file,
        "files": files.len(),
        "size": size,
        "elapsed_s": report.elapsed.as_secs_f64(),
        "command": command,
        "quality": quality,
        "per_title": per_title,
        "recipient": recipient,
        "notice": burn_in.as_ref().map(|burn_in| burn_in.text.clone()),
        "mark": burn_in.as_ref().and_then(|burn_in| burn_in.mark),
        "encryption": encryption,
    });
    if let (Some(recipient), Some(burn_in)) = (&recipient, &burn_in) {
        // Who received which copy: what `watermark detect` and an investigation start from.
        let entry = regie_db::NewAuditEntry {
            actor: format!("worker:{}", context.job.id),
            action: "screener.made".to_owned(),
            asset_id: Some(asset.id.to_string()),
            address: None,
            outcome: "ok".to_owned(),
            detail: match &burn_in.mark {
                Some(mark) => format!(
                    "rendition {name} for recipient {recipient:?}, notice {:?}, invisible mark {} ({:?} Hz)",
                    burn_in.text, mark.ordinal, mark.frequencies_hz
                ),
                None => format!("rendition {name} for recipient {recipient:?}, notice {:?}", burn_in.text),
            },
        };
        if let Err(error) = context.regie.audit(entry).await {
            return Err(JobFailure::from(error));
        }
    }
    let rendition = NewRendition {
        profile: name,
        main_file: main_file.to_owned(),
        files,
        quality,
        encode_s: Some(report.elapsed.as_secs_f64()),
    };
    Ok(Completed {
        outputs: JobOutputs { asset_id: Some(asset.id), files: Vec::new(), rendition: Some(rendition) },
        result,
    })
}

/// PSNR and SSIM of every rung against the source, compared at the top rung's size, one ffmpeg
/// run each (what cannot be measured is logged, never a failure of the rendition).
async fn measure_quality(
    context: &JobContext,
    plan: &OutputPlan,
    source: &std::path::Path,
    described: &regie_core::MediaDescription,
) -> Vec<RungQuality> {
    let Some(video) = &plan.video else { return Vec::new() };
    let Some(top) = video.rungs.first().map(|rung| (rung.width, rung.height)) else { return Vec::new() };
    let main = context.work_dir.join(plan.container.main_file());
    let streams: Vec<_> = described.streams_of(regie_core::StreamKind::Video).collect();
    let mut measured = Vec::new();
    for rung in &video.rungs {
        let size = (rung.width, rung.height);
        let Some(index) =
            streams.iter().position(|stream| (stream.width, stream.height) == (Some(size.0), Some(size.1)))
        else {
            continue;
        };
        let arguments = regie_media::quality_arguments(&main, index, source, video, top);
        let step = format!("quality of the {}x{} rung", size.0, size.1);
        let found = match context.ffmpeg(&step, arguments, plan.duration_s, (95.0, 99.0)).await {
            Ok(report) => regie_media::parse_quality(&report.stderr),
            Err(_) => None,
        };
        match found {
            Some(quality) => {
                let line = format!("{step}: PSNR {:.2} dB, SSIM {:.4}", quality.psnr, quality.ssim);
                context.log("info", &line).await;
                measured.push(RungQuality { width: size.0, height: size.1, quality });
            }
            None => context.log("warn", &format!("{step}: not measured")).await,
        }
    }
    measured
}

/// Writes each HEVC rung's full codec string (`hvc1.2.4.L93.90`, from the `hvcC` record of its
/// initialisation segment) where FFmpeg wrote a bare `hvc1`, in the HLS master playlist and the
/// DASH manifest: players choose a variant by it. What could not be completed is a mismatch.
async fn complete_hevc_codecs(context: &JobContext, plan: &OutputPlan) -> Vec<String> {
    const TAG: &str = "hvc1";
    let rungs = plan.video.as_ref().map_or(0, |video| video.rungs.len());
    let mut codecs = Vec::with_capacity(rungs);
    for rung in 0..rungs {
        let init = context.work_dir.join(format!("init-{rung}.m4s"));
        let bytes = tokio::fs::read(&init).await.unwrap_or_default();
        match regie_media::hevc_codec_string(&bytes, TAG) {
            Some(text) => codecs.push(text),
            None => return vec![format!("the HEVC rung {rung} has no readable hvcC record in init-{rung}.m4s")],
        }
    }
    let (manifest_path, master_path) = (context.work_dir.join("manifest.mpd"), context.work_dir.join("master.m3u8"));
    let manifest = tokio::fs::read_to_string(&manifest_path).await.unwrap_or_default();
    let master = tokio::fs::read_to_string(&master_path).await.unwrap_or_default();
    let manifest = codecs
        .iter()
        .enumerate()
        .fold(manifest, |manifest, (rung, text)| regie_media::set_dash_codecs(&manifest, rung, TAG, text));
    let master = regie_media::set_hls_codecs(&master, TAG, |rung| codecs.get(rung).cloned());
    let mut found = Vec::new();
    for (path, text) in [(&manifest_path, manifest), (&master_path, master)] {
        if let Err(error) = tokio::fs::write(path, text).await {
            found.push(format!("cannot complete the codec strings in {}: {error}", path.display()));
        }
    }
    found
}

/// The DASH manifest must list every rung, and every HLS variant playlist must exist.
async fn manifest_mismatches(context: &JobContext, plan: &OutputPlan) -> Vec<String> {
    let mut found = Vec::new();
    let manifest = tokio::fs::read_to_string(context.work_dir.join("manifest.mpd")).await.unwrap_or_default();
    if manifest.is_empty() {
        found.push("the DASH manifest is missing".to_owned());
        return found;
    }
    let master = tokio::fs::read_to_string(context.work_dir.join("master.m3u8")).await.unwrap_or_default();
    for rung in plan.video.iter().flat_map(|video| &video.rungs) {
        let size = format!("width=\"{}\" height=\"{}\"", rung.width, rung.height);
        if !manifest.contains(&size) {
            found.push(format!("the DASH manifest lists no {}x{} representation", rung.width, rung.height));
        }
        if !master.contains(&format!("RESOLUTION={}x{}", rung.width, rung.height)) {
            found.push(format!("the HLS master playlist lists no {}x{} variant", rung.width, rung.height));
        }
    }
    if master.contains("CODECS=\"hvc1,") || master.contains("CODECS=\"hvc1\"") {
        found.push("the HLS master playlist gives an HEVC variant no full codec string".to_owned());
    }
    for line in master.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty()) {
        if !context.work_dir.join(line.trim()).is_file() {
            found.push(format!("the HLS master playlist names {line}, which was not made"));
        }
    }
    found
}

/// The files ffmpeg left in the work folder, by name (its temporaries excluded).
async fn output_files(context: &JobContext) -> Result<Vec<std::path::PathBuf>, JobFailure> {
    let folder_error =
        |source| JobFailure::from(crate::AppError::DataFolder { path: context.work_dir.clone(), source });
    let mut entries = tokio::fs::read_dir(&context.work_dir).await.map_err(folder_error)?;
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(folder_error)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().await.map_err(folder_error)?.is_file() && !name.ends_with(".tmp") && !name.starts_with('.')
        {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}
