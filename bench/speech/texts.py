"""The texts bench/speech/run has espeak-ng say, one per language (a few minutes of news-like
speech each), and the word error rate used to score a transcript against them."""

import json
import re
import sys
import unicodedata

ENGLISH = [
    "Good evening and welcome to the late news.",
    "The national archive has opened its doors to researchers from across the country.",
    "More than forty thousand hours of television are now kept on modern storage.",
    "Engineers checked every programme for loudness before it was broadcast again.",
    "In the north, heavy rain closed several roads and flooded the old railway station.",
    "The football club announced a new coach after a difficult season.",
    "Scientists say the summer was the warmest since records began.",
    "The government will present its budget to parliament next week.",
    "Tickets for the music festival sold out within an hour.",
    "Farmers are worried about the price of fuel and fertiliser.",
    "A new bridge across the river will open to traffic in the spring.",
    "The museum received a rare painting from a private collector.",
    "Doctors recommend that children spend more time outside.",
    "Tomorrow will be cloudy in the morning with sunshine in the afternoon.",
    "That is the end of the news. Thank you for watching and good night.",
]

FRENCH = [
    "Bonsoir et bienvenue dans ce journal.",
    "Les archives nationales ouvrent leurs portes aux chercheurs de tout le pays.",
    "Plus de quarante mille heures de télévision sont conservées sur des disques modernes.",
    "Les ingénieurs vérifient le volume sonore de chaque programme avant sa diffusion.",
    "Dans le nord, de fortes pluies ont fermé plusieurs routes.",
    "Le club de football a annoncé l'arrivée d'un nouvel entraîneur.",
    "Les scientifiques affirment que l'été a été le plus chaud depuis le début des relevés.",
    "Le gouvernement présentera son budget au parlement la semaine prochaine.",
    "Les billets du festival de musique ont été vendus en une heure.",
    "Un nouveau pont sur le fleuve ouvrira à la circulation au printemps.",
    "Demain, le temps sera nuageux le matin et ensoleillé l'après-midi.",
    "Merci de nous avoir suivis et bonne nuit.",
]

NUMBERS = {"40000": "forty thousand", "40 000": "quarante mille"}


def words(text):
    for digits, spoken in NUMBERS.items():
        text = text.replace(digits, spoken)
    text = unicodedata.normalize("NFKC", text.lower()).replace("’", "'")
    text = text.replace("harbor", "harbour").replace("program ", "programme ")
    return re.findall(r"[\w']+", text)


def word_error_rate(reference, hypothesis):
    expected, heard = words(reference), words(hypothesis)
    previous = list(range(len(heard) + 1))
    for i, word in enumerate(expected):
        current = [i + 1]
        for j, other in enumerate(heard):
            current.append(min(previous[j] + (word != other), previous[j + 1] + 1, current[j] + 1))
        previous = current
    return previous[-1] / max(1, len(expected))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "text":
        print(" ".join(ENGLISH if sys.argv[2] == "en" else FRENCH))
    elif command == "wer":
        language, srt = sys.argv[2], open(sys.argv[3], encoding="utf-8").read()
        blocks = [block.splitlines()[2:] for block in srt.strip().split("\n\n")]
        hypothesis = " ".join(" ".join(lines) for lines in blocks)
        reference = " ".join(ENGLISH if language == "en" else FRENCH)
        print(json.dumps({"wer": round(word_error_rate(reference, hypothesis), 4), "words": len(words(reference))}))
