"""The bilingual catalogue of bench/semantic: 40 programme descriptions (20 in French, 20 in
English, on distinct subjects), each with a query a media manager would type in the *other*
language, and 12 queries on subjects the catalogue does not hold. Writes records.jsonl (for
`regie import-metadata`) and queries.jsonl into the folder given."""

import json
import sys

PROGRAMMES = [
    ("fr", "La pêche en haute mer", "Trois semaines avec les marins d'un chalutier de Concarneau, au large de la Bretagne, pendant les tempêtes d'hiver.", "deep sea fishing boat crew"),
    ("fr", "Les vendanges en Bourgogne", "De la cueillette du raisin à la mise en fût : une famille de vignerons de Beaune pendant la récolte.", "grape harvest and winemaking"),
    ("fr", "Le Tour de France dans les Alpes", "Les grandes étapes de montagne de la course cycliste, racontées par les coureurs et leurs directeurs sportifs.", "bicycle race mountain stages"),
    ("fr", "Les abeilles disparaissent", "Enquête sur l'effondrement des colonies d'abeilles et le rôle des pesticides dans les campagnes françaises.", "why are bees dying pesticides"),
    ("fr", "Le chantier de Notre-Dame", "Charpentiers, tailleurs de pierre et architectes reconstruisent la cathédrale après l'incendie.", "rebuilding the cathedral after the fire"),
    ("fr", "Cuisine de grand-mère", "Recettes traditionnelles du pot-au-feu, de la blanquette et de la tarte Tatin, pas à pas.", "traditional French home cooking recipes"),
    ("fr", "Les élections municipales", "Soirée électorale : résultats, réactions des candidats et analyse du vote dans les grandes villes.", "local election results night"),
    ("fr", "Le réchauffement des glaciers", "Les glaciers des Alpes fondent : des scientifiques mesurent leur recul année après année.", "melting glaciers climate change"),
    ("fr", "La grève des cheminots", "Trains supprimés et gares vides : les syndicats du rail contre la réforme des retraites.", "railway workers strike"),
    ("fr", "Les secrets de la Joconde", "Historiens de l'art et restaurateurs examinent le tableau de Léonard de Vinci au Louvre.", "Mona Lisa painting Leonardo"),
    ("fr", "Apprendre à nager", "Une école de natation pour adultes qui n'ont jamais osé entrer dans l'eau.", "swimming lessons for adults"),
    ("fr", "Le marché de Noël de Strasbourg", "Chalets illuminés, vin chaud et artisans alsaciens pendant les fêtes de fin d'année.", "Christmas market in Alsace"),
    ("fr", "Les urgences de l'hôpital", "Une nuit aux urgences d'un hôpital de Lyon avec les médecins et les infirmières.", "emergency room doctors at night"),
    ("fr", "La conquête spatiale européenne", "Le lancement d'une fusée Ariane depuis Kourou et les ingénieurs qui la préparent.", "European rocket launch"),
    ("fr", "Le loup est de retour", "Les bergers des Alpes face au retour du loup et aux attaques de troupeaux de moutons.", "wolves attacking sheep flocks"),
    ("fr", "Jazz à Montreux", "Les plus beaux concerts du festival de jazz au bord du lac Léman.", "jazz music festival concerts"),
    ("fr", "L'intelligence artificielle au travail", "Comment les algorithmes et les robots changent les métiers des bureaux et des usines.", "artificial intelligence and jobs automation"),
    ("fr", "Les châteaux de la Loire", "Chambord, Chenonceau et Amboise : l'histoire des rois de France et de leurs résidences.", "castles of the Loire valley history"),
    ("fr", "Le prix du pain", "Boulangers et meuniers face à la hausse du prix du blé et de l'énergie.", "bakers and the rising cost of bread"),
    ("fr", "Les volcans d'Auvergne", "Randonnée sur les anciens volcans du Massif central avec un géologue.", "hiking on extinct volcanoes"),
    ("en", "Premier League final day", "The title race goes down to the last match: goals, drama and celebrations across England.", "championnat de football anglais dernière journée"),
    ("en", "Inside the Bank of England", "How interest rates are set, and what a rise means for mortgages and savings.", "taux d'intérêt de la banque centrale"),
    ("en", "The coral reef crisis", "Divers document bleaching on the Great Barrier Reef as ocean temperatures climb.", "blanchiment des récifs coralliens"),
    ("en", "Ancient Egypt's pyramids", "Archaeologists explore the tombs of the pharaohs at Giza and how the pyramids were built.", "pharaons et pyramides d'Égypte"),
    ("en", "The electric car revolution", "Battery factories, charging stations and the end of petrol engines in Europe.", "voitures électriques et batteries"),
    ("en", "London fashion week", "Designers, models and buyers behind the scenes of the autumn collections.", "défilés de mode à Londres"),
    ("en", "Life on a dairy farm", "A year with a family milking two hundred cows in the hills of Wales.", "ferme laitière et vaches"),
    ("en", "The opioid epidemic", "Addiction, overdoses and the families left behind in small-town America.", "crise des opioïdes et toxicomanie"),
    ("en", "Whales of the Arctic", "Scientists follow humpback whales migrating through the polar seas.", "baleines dans l'océan Arctique"),
    ("en", "Shakespeare's Globe", "Actors rehearse Hamlet in the reconstructed Elizabethan theatre on the Thames.", "théâtre de Shakespeare à Londres"),
    ("en", "Wildfires in California", "Firefighters battle the flames as entire towns are evacuated.", "incendies de forêt en Californie"),
    ("en", "The chess prodigy", "A twelve-year-old grandmaster prepares for the world youth championship.", "jeune prodige des échecs"),
    ("en", "Building the Channel Tunnel", "The engineers who dug beneath the sea to link Britain and France.", "construction du tunnel sous la Manche"),
    ("en", "Street food of Bangkok", "Noodle stalls, night markets and the cooks who feed a city.", "cuisine de rue en Thaïlande"),
    ("en", "The housing crisis", "Rising rents and homelessness as young people are priced out of the cities.", "crise du logement et loyers trop chers"),
    ("en", "Mars rover mission", "The robot exploring the red planet for signs of ancient life.", "robot d'exploration sur la planète Mars"),
    ("en", "Olympic gymnastics", "Training, injuries and perfect tens: the road to the Olympic gymnastics final.", "gymnastique aux jeux olympiques"),
    ("en", "The Beatles in Hamburg", "How four young musicians from Liverpool learned their craft in German clubs.", "les débuts du groupe de rock de Liverpool"),
    ("en", "Plastic in the oceans", "Tracking the waste that ends up in the sea and in the stomachs of seabirds.", "pollution plastique des mers"),
    ("en", "Antarctic expedition", "A team crosses the frozen continent on skis, pulling their sledges for sixty days.", "expédition en Antarctique à ski"),
]

UNRELATED = [
    "tax return deadline forms", "déclaration d'impôts en ligne", "knitting patterns for scarves",
    "tricot et crochet", "used car insurance prices", "assurance habitation moins chère",
    "dentist appointment toothache", "mal de dents chez le dentiste", "smartphone screen repair",
    "réparer un écran de téléphone", "wedding dress shopping", "horoscope de la semaine",
]


def main():
    folder = sys.argv[1]
    with open(f"{folder}/records.jsonl", "w") as records, open(f"{folder}/queries.jsonl", "w") as queries:
        for number, (language, title, synopsis, query) in enumerate(PROGRAMMES):
            house_id = f"SEM-{number:03d}"
            records.write(json.dumps({"house_id": house_id, "collection": "bench-semantic", "language": language,
                                      "title": title, "synopsis": synopsis}, ensure_ascii=False) + "\n")
            queries.write(json.dumps({"query": query, "target": house_id}, ensure_ascii=False) + "\n")
        for query in UNRELATED:
            queries.write(json.dumps({"query": query, "target": None}, ensure_ascii=False) + "\n")


main()
