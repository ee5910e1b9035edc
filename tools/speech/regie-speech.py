"""regie's speech engine: transcribes one 16 kHz mono WAV file with faster-whisper, offline.

regie starts it like ffmpeg (an argument vector, a timeout) and reads JSON lines on stdout:
  {"event": "language", "language": "fr", "probability": 0.997}
  {"event": "segment", "start": 0.0, "end": 2.48, "text": "..."}   (one per spoken segment)
  {"event": "done", "duration": 12.9, "segments": 4}
An error is one line on stderr and a non-zero exit: 2 for a bad argument or file, 3 for a model
that cannot be loaded. Installed by scripts/install-speech.sh beside its pinned model.
"""

import argparse
import json
import os
import sys
import wave


def fail(code, message):
    print(message, file=sys.stderr)
    sys.exit(code)


def emit(**fields):
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    here = os.path.dirname(os.path.realpath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", help="16 kHz mono 16-bit WAV file")
    parser.add_argument("--model", default=os.path.join(here, "model"), help="CTranslate2 Whisper model folder")
    parser.add_argument("--language", default="auto", help="fr, en, or auto")
    parser.add_argument("--candidates", default="fr,en", help="languages auto may choose among")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="load the model, print its name, exit")
    arguments = parser.parse_args()

    if not arguments.check and not arguments.audio:
        fail(2, "give the WAV file to transcribe")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import numpy
        from faster_whisper import WhisperModel
    except ImportError as error:
        fail(3, f"faster-whisper is not installed beside this script: {error}")
    if not os.path.isfile(os.path.join(arguments.model, "model.bin")):
        fail(3, f"no Whisper model in {arguments.model} (model.bin missing): run scripts/install-speech.sh")
    try:
        model = WhisperModel(arguments.model, device="cpu", compute_type="int8", cpu_threads=arguments.threads)
    except Exception as error:  # noqa: BLE001 - any load failure is reported the same way
        fail(3, f"the Whisper model in {arguments.model} cannot be loaded: {error}")
    if arguments.check:
        emit(event="ready", model=os.path.basename(os.path.normpath(arguments.model)))
        return

    try:
        with wave.open(arguments.audio, "rb") as source:
            if source.getnchannels() != 1 or source.getframerate() != 16000 or source.getsampwidth() != 2:
                fail(2, "expected 16 kHz mono 16-bit WAV")
            frames = source.readframes(source.getnframes())
    except (OSError, wave.Error, EOFError) as error:
        fail(2, f"cannot read {arguments.audio}: {error}")
    audio = numpy.frombuffer(frames, dtype=numpy.int16).astype(numpy.float32) / 32768.0
    duration = len(audio) / 16000.0
    if duration == 0:
        emit(event="done", duration=0.0, segments=0)
        return

    language = arguments.language
    if language == "auto":
        candidates = [code for code in arguments.candidates.split(",") if code]
        _, _, ranked = model.detect_language(audio, vad_filter=True, language_detection_segments=3)
        allowed = [(code, probability) for code, probability in ranked if not candidates or code in candidates]
        language, probability = max(allowed or ranked, key=lambda pair: pair[1])
        total = sum(probability for code, probability in allowed) or 1.0
        emit(event="language", language=language, probability=round(probability / total, 4), detected=True)
    else:
        emit(event="language", language=language, probability=1.0, detected=False)

    segments, _ = model.transcribe(
        audio,
        language=language,
        beam_size=arguments.beam_size,
        vad_filter=True,
        condition_on_previous_text=False,
        word_timestamps=True,
    )
    count = 0
    for segment in segments:
        for start, end, text in cues_of(segment):
            count += 1
            emit(event="segment", start=round(start, 3), end=round(end, 3), text=text)
    emit(event="done", duration=round(duration, 3), segments=count)


# A subtitle shows at most two lines of about 42 characters, for at most 7 seconds.
MAX_CHARACTERS = 84
MAX_SECONDS = 7.0


def cues_of(segment):
    """Cuts a recognised segment into subtitle-sized cues on its words' times: at the end of a
    sentence, or before a cue grows too long to read."""
    words = [word for word in (segment.words or []) if word.word.strip()]
    if not words:
        text = segment.text.strip()
        return [(segment.start, segment.end, text)] if text else []
    cues, current = [], []
    for word in words:
        if current:
            text = "".join(part.word for part in current + [word]).strip()
            if len(text) > MAX_CHARACTERS or word.end - current[0].start > MAX_SECONDS:
                cues.append(current)
                current = []
        current.append(word)
        if word.word.strip()[-1:] in ".?!" and current[-1].end - current[0].start >= 1.0:
            cues.append(current)
            current = []
    if current:
        cues.append(current)
    return [(cue[0].start, cue[-1].end, "".join(part.word for part in cue).strip()) for cue in cues]


if __name__ == "__main__":
    main()
