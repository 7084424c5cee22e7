"""The word lists the redaction reads personal details by (pii_patterns.py): words staff need and that
are never a person (group names, drugs, days, places), words that can be a name after a cue ("my
daughter Hope"), and words that follow a cue without being a name or a handle."""
from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What staff need to read, never a name even when capitalised or in the census lists.
STAFF_TERMS = _words("""
    narcotics alcoholics cocaine gamblers overeaters anonymous smart recovery celebrate refuge dharma lifering
    al-anon alanon alateen nar-anon naranon aa na ca cma sma oa ga acoa coda sober sobriety serenity
    suboxone subutex sublocade zubsolv buprenorphine narcan naloxone kloxxado methadone vivitrol naltrexone
    antabuse disulfiram acamprosate campral chantix gabapentin xanax klonopin valium adderall percocet
    oxycontin fentanyl heroin meth kratom molly ecstasy ketamine lyrica soma norco vicodin tramadol
    medicaid medicare tricare cobra obamacare aetna cigna humana kaiser anthem blue cross shield
    god jesus christ lord allah bible church catholic christian muslim jewish buddhist higher power
    christmas easter thanksgiving halloween eve year's navidad pascua
    venmo cashapp paypal zelle uber lyft walmart cvs walgreens
    zoom google facebook instagram snapchat tiktok twitter whatsapp discord reddit telegram youtube
    step steps group groups meeting meetings sponsor counselor therapist doctor nurse rehab detox iop php
    big book
    narcóticos narcoticos anónimos anonimos anônimos alcohólicos alcoholicos suboxona metadona dios jesús virgen
""")
VIRTUES = _words("hope grace faith joy charity mercy serenity patience esperanza")
CALENDAR = _words("""
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    lunes martes miércoles miercoles jueves viernes sábado sabado domingo enero febrero marzo abril mayo
    junio julio agosto septiembre setiembre octubre noviembre diciembre
""")
PLACES = _words("""
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio
    oklahoma oregon pennsylvania rhode tennessee texas utah vermont virginia washington wisconsin wyoming
    america canada ireland australia zealand england scotland wales britain
""")
PROTECTED = STAFF_TERMS | VIRTUES | CALENDAR | PLACES
# Ordinary words that are names when capitalised right after a cue ("my daughter Hope", "my husband Will",
# "her name is Esperanza", "my sponsor Big Mike"), or after "my name is" in any case ("my name is hope").
NAMEABLE = VIRTUES | _words("will may april june august")
# What follows a word that is both a name and a word when it names a place, not a person: "Grace Church",
# "Hope House", "Mercy Hospital".
INSTITUTIONS = _words("""
    church chapel ministry ministries house home center centre hospital clinic lodge place village fellowship
    program programme recovery group community foundation institute academy school shelter manor farm ranch
    treatment rehab haven springs point hall
""")
NICKNAME_PREFIXES = _words("big lil little young old")  # "Big Mike", "Lil Jay" (not "Big Book")
# Census first names that are also ordinary words: a name only after "my name is" or capitalised
# after "my son" ("my daughter Summer"), never after "I'm" or on their own.
COMMON = _words("""
    an else in many may my see so will son long love young ward page song spring summer winter
    august june april january art bill frank guy hope grace faith joy chance charity candy buddy
    carry cliff don dan miss lady lean hang hung ok tiny windy sunny dawn rose rich mark jack
    pat sue ray gay bob bud cash chase chip clay dale dean dell drew earl ernest fay gene glen
    grant hunter jean jewel king lane lee les lou mason max may nan penny pearl rocky royal
    roy sandy scott sky stone storm tommie troy vaughn wade warren will wood worth major price
    bell belle birdie blossom bonnie brandy brook christian crystal daisy ebony ginger goldie
    honey iris ivy jade jasmine june lily marina mercedes misty olive opal pansy poppy precious
    ruby sage sharon star sugar tequila violet autumn melody harmony liberty unity
    trinity destiny serenity patience mercy prince duke baby bebe dia era esta ella del
    le la lo un una van vida ha ma pa ta mi ana ida sal nada numbers brain aide ai
    alta argentina paris sydney denver domingo soledad remedios buena corazon
    kit jess tim tom rod les jackson austin dallas houston charlotte madison phoenix
    cooper hunter walker parker carter tanner porter fisher baker
""")
# Words that follow a relation ("my son is", "mi hijo tiene") and are never a name.
NOT_A_NAME = _words("""
    a an the and or but is was has had have will would can could should did does do who which that
    this these those he she they him her his hers it its im i'm i me my mine we our us you your
    not never also just still always now then again already really very so too only even
    keeps kept got gets get goes went uses used using started starts relapsed overdosed drinks drinks
    needs needed wants wanted says said thinks lives lived moved left came comes told asked
    of in on at to for from with by about into over after before since until as like
    age aged years year months old here there home out back up down off
    first second third last next other same own new
    y o e u que el la los las un una unos unas es está esta estaba era fue ha tiene tenía tenia
    lleva llevaba no sí si ya muy más mas también tambien de del en con por para sin sobre desde
    se le lo me te mi mis tu su sus nos yo él ellos ellas usted ustedes
    clean sober single tired fine good ready sorry new here done back home going just still
    able free sure okay alone better worse sick happy sad lost stuck worried scared
    addicted married divorced homeless broke pregnant desperate afraid struggling using drinking
    adicto adicta alcohólico alcohólica limpio limpia sobrio sobria nuevo nueva madre padre
    idk tryna kinda sorta gonna wanna gotta lowkey highkey tbh ngl lol lmao smh rn bc cuz prolly def rly
    ya yea yeah yep nah ok okay pls plz thx ur im ive dont cant wont didnt isnt wasnt doesnt hes shes
    dr mr mrs ms mx sr sra srta
    adhd add ptsd ocd hiv aids hcv hep dui dwi bipolar preggo prego schizo
    puerto rican latinx boricua filipina trans nonbinary enby genderqueer pansexual desi neurodivergent
    immunocompromised
    theyre thats whats ppl bf gf idc omg btw fyi appt appts mtg mtgs asap bday abt thru tho wat wut
    fiance fiancé fiancee fiancée hubby wifey bestie bff bfs sponser sponsee insta doña
    yung yun
    yall y'all nvm nm ty tysm tia np jk ikr imo imho ttyl brb gtg hmu wyd wbu tmrw tmr tonite 2nite
""")
# A town written after a street goes with the address (pii_patterns.whole_address): a street with its town narrows
# a visitor down to a door, and the blind PII sets' writers count the town as part of the address (set r,
# 2026-12-03). These capitalised words after the comma open a sentence, a sign-off or a date instead ("12 Elm
# Street, Can you…", "9 Oak Ave, Thursday works"). A regex alternation.
NOT_A_TOWN = ("I|Is|It|Its|Can|Could|Do|Does|Did|Will|Would|Should|Please|Thanks|Thank|My|We|Who|What|When|Where"
              "|How|Why|Are|And|But|Also|Hi|Hello|Regards|Sincerely|Best|Cheers|Atentamente|Gracias|Saludos"
              "|Cordialement|Merci|Bitte|Danke|Obrigad[oa]|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
              "|January|February|March|April|May|June|July|August|September|October|November|December|Apt|Unit"
              "|Suite|Flat|Floor|Room|Near|Next|Behind|Across")
# What "my insta is ..." can be followed by that is not a handle.
NOT_A_HANDLE = _words("""
    private public down hacked deleted banned blocked gone dead same below above there here
    not the a an my your on in at and or but is was if it this that full
    privado privada mi el la
""")
