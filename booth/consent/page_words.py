"""The phone page's own words in each language, and the French for the errors the consent checks give."""

from __future__ import annotations

from booth.consent.records import (
    ALREADY_RECORDED,
    CLIP_CHANGED,
    CLIP_GONE,
    EMAIL_WITHOUT_SEND_ME,
    GUARDIAN_ON_KIOSK,
    GUARDIAN_ON_PHONE,
    MAX_EMAIL,
    MAX_NAME,
    NAME_HIDDEN,
    NAME_LENGTH,
    NO_AGE,
    NOT_AN_EMAIL,
    NOT_OFFERED,
    ConsentError,
)

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "video_fallback": "Your clip cannot play in this browser; you can still make your choices below.",
        "controller": "Who is responsible",
        "recipients": "Who may receive your clip",
        "choices": "Your choices",
        "choices_hint": "Each use is off until you switch it on.",
        "goes_to": "Goes to:",
        "stays": "Stays on this booth: sent to no one.",
        "age_under": "Under {n}",
        "age_minor": "{n} to 17",
        "age_adult": "18 or over",
        "guardian": "Parent or guardian",
        "guardian_hint": "Only if the person in the clip is under {n}: a parent or guardian consents for them.",
        "guardian_name": "Name of the parent or guardian",
        "email": "Your e-mail (optional)",
        "email_hint": "Only used to send you your clip, and only if “{send_me}” is on.",
        "retention": "How long it is kept",
        "withdrawal": "Changing your mind",
        "wifi": "Event Wi-Fi",
        "wifi_text": "Join the network “{name}” to open this page and download your clip.",
        "wifi_password": "Password:",
        "save": "Save my choices",
        "refuse": "Refuse all",
        "refuse_hint": "Refuse all: nothing leaves the booth, and the clip is deleted at the end of the day.",
        "error": "Please check:",
        "done_title": "Your choices are saved",
        "on": "On",
        "off": "Off",
        "nothing_leaves": "You refused everything: nothing leaves the booth.",
        "email_kept": "The address you gave is kept with your consent, only to send you your clip.",
        "download": "Download my clip",
        "code": "Your withdrawal code",
        "code_hint": "Keep it (take a screenshot): with it you can withdraw your consent at any time. It is shown"
        " only this once.",
        "code_once": "Your withdrawal code was shown once, on the phone that saved these choices, right after saving"
        " them: whoever has this link cannot withdraw with it.",
        "qr_alt": "QR code of your withdrawal link",
        "withdraw_link": "Withdraw my consent",
        "refused_title": "Nothing will leave the booth",
        "refused_text": "You refused everything. Your clip stays on the booth only until the end of the day, then it is"
        " deleted.",
        "back": "Changed your mind? Back to the choices",
        "withdraw_title": "Withdraw your consent",
        "withdraw_text": "Withdrawing deletes your clip from the booth now, cancels every upload not made yet, and asks"
        " every recipient that already received it to erase it. It cannot be undone.",
        "withdraw_button": "Withdraw and delete my clip",
        "withdraw_code_text": "Type the withdrawal code you were given when you made your choices, like"
        " 7K2M-QX4P-9TRD. The next page asks you to confirm before anything is deleted.",
        "withdraw_code_button": "Continue",
        "bad_withdrawal_code": "No consent has this code. Check it and type it again, or ask the booth staff.",
        "withdrawn_title": "Withdrawn",
        "withdrawn_one": "Withdrawn: your clip was deleted from the booth and erasure was requested from {n}"
        " recipient.",
        "withdrawn_many": "Withdrawn: your clip was deleted from the booth and erasure was requested from {n}"
        " recipients.",
        "cancelled": "Uploads cancelled before they were made: {n}.",
        "already_withdrawn": "This consent was already withdrawn: your clip was deleted from the booth.",
        "not_found_title": "This page is not open",
        "not_found": "The link is unknown or has expired, or its clip was deleted. Ask the booth staff if you need"
        " help.",
        "forbidden_title": "This form was refused",
        "forbidden": "It did not come from this booth's page, or the page was open too long. Open the page again and"
        " make your choices there.",
        "open_again": "Open the page again",
        "too_big_title": "Too much text",
        "too_big": "What was sent is larger than 16 KiB. Go back and shorten what you typed.",
        "too_many_title": "Too many attempts",
        "too_many": "Too many attempts from this address. Wait a minute, then try again.",
        "unreadable_title": "This form could not be read",
        "unreadable": "Go back, reload the page and try again.",
        "broken_title": "Something went wrong",
        "broken": "The booth could not do that. Ask the booth staff for help.",
        "text_changed": "The consent text changed since this page was opened; read it again and make your choices.",
        "bad_purpose": NOT_OFFERED,
        "bad_age": NO_AGE,
        "long_name": NAME_LENGTH,
        "long_email": f"Give an e-mail address of at most {MAX_EMAIL} characters.",
        "screen_code": "Code on the booth's screen",
        "screen_code_hint": "The 6 digits shown beside the QR code you scanned. Left the booth? The staff can show"
        " them again.",
        "bad_code": "Type the 6 digits shown on the booth's screen beside the QR code.",
    },
    "fr": {
        "video_fallback": "Votre clip ne peut pas être lu dans ce navigateur ; vous pouvez quand même faire vos choix"
        " ci-dessous.",
        "controller": "Responsable du traitement",
        "recipients": "Qui peut recevoir votre clip",
        "choices": "Vos choix",
        "choices_hint": "Chaque usage reste désactivé tant que vous ne l'activez pas.",
        "goes_to": "Destinataires :",
        "stays": "Reste sur la borne : envoyé à personne.",
        "age_under": "Moins de {n} ans",
        "age_minor": "De {n} à 17 ans",
        "age_adult": "18 ans ou plus",
        "guardian": "Parent ou représentant légal",
        "guardian_hint": "Seulement si la personne filmée a moins de {n} ans : un parent ou représentant légal"
        " consent pour elle.",
        "guardian_name": "Nom du parent ou du représentant légal",
        "email": "Votre e-mail (facultatif)",
        "email_hint": "Sert uniquement à vous envoyer votre clip, et seulement si « {send_me} » est activé.",
        "retention": "Durée de conservation",
        "withdrawal": "Changer d'avis",
        "wifi": "Wi-Fi de l'événement",
        "wifi_text": "Rejoignez le réseau « {name} » pour ouvrir cette page et télécharger votre clip.",
        "wifi_password": "Mot de passe :",
        "save": "Enregistrer mes choix",
        "refuse": "Tout refuser",
        "refuse_hint": "Tout refuser : rien ne quitte le stand, et le clip est supprimé en fin de journée.",
        "error": "À vérifier :",
        "done_title": "Vos choix sont enregistrés",
        "on": "Activé",
        "off": "Désactivé",
        "nothing_leaves": "Vous avez tout refusé : rien ne quitte le stand.",
        "email_kept": "L'adresse donnée est conservée avec votre consentement, uniquement pour vous envoyer votre"
        " clip.",
        "download": "Télécharger mon clip",
        "code": "Votre code de retrait",
        "code_hint": "Gardez-le (faites une capture d'écran) : il vous permet de retirer votre consentement à tout"
        " moment. Il n'est affiché que cette fois.",
        "code_once": "Votre code de retrait a été affiché une seule fois, sur le téléphone qui a enregistré ces"
        " choix, juste après l'enregistrement : qui a ce lien ne peut pas retirer votre consentement avec.",
        "qr_alt": "QR code de votre lien de retrait",
        "withdraw_link": "Retirer mon consentement",
        "refused_title": "Rien ne quittera le stand",
        "refused_text": "Vous avez tout refusé. Votre clip reste sur le stand jusqu'à la fin de la journée seulement,"
        " puis il est supprimé.",
        "back": "Vous changez d'avis ? Revenir aux choix",
        "withdraw_title": "Retirer votre consentement",
        "withdraw_text": "Retirer votre consentement supprime tout de suite votre clip du stand, annule chaque envoi"
        " pas encore fait et demande à chaque destinataire qui l'a déjà reçu de l'effacer. C'est définitif.",
        "withdraw_button": "Retirer et supprimer mon clip",
        "withdraw_code_text": "Saisissez le code de retrait reçu quand vous avez fait vos choix, comme"
        " 7K2M-QX4P-9TRD. La page suivante vous demande de confirmer avant toute suppression.",
        "withdraw_code_button": "Continuer",
        "bad_withdrawal_code": "Aucun consentement n'a ce code. Vérifiez-le et saisissez-le à nouveau, ou demandez"
        " à l'équipe du stand.",
        "withdrawn_title": "Consentement retiré",
        "withdrawn_one": "Retiré : votre clip a été supprimé du stand et l'effacement a été demandé à {n}"
        " destinataire.",
        "withdrawn_many": "Retiré : votre clip a été supprimé du stand et l'effacement a été demandé à {n}"
        " destinataires.",
        "cancelled": "Envois annulés avant d'être faits : {n}.",
        "already_withdrawn": "Ce consentement a déjà été retiré : votre clip a été supprimé du stand.",
        "not_found_title": "Cette page n'est pas ouverte",
        "not_found": "Le lien est inconnu ou a expiré, ou son clip a été supprimé. Demandez de l'aide à l'équipe du"
        " stand si besoin.",
        "forbidden_title": "Ce formulaire a été refusé",
        "forbidden": "Il ne vient pas de la page de ce stand, ou la page est restée ouverte trop longtemps. Rouvrez la"
        " page et faites-y vos choix.",
        "open_again": "Rouvrir la page",
        "too_big_title": "Trop de texte",
        "too_big": "L'envoi dépasse 16 Kio. Revenez en arrière et raccourcissez ce que vous avez saisi.",
        "too_many_title": "Trop de tentatives",
        "too_many": "Trop de tentatives depuis cette adresse. Attendez une minute, puis réessayez.",
        "unreadable_title": "Ce formulaire n'a pas pu être lu",
        "unreadable": "Revenez en arrière, rechargez la page et réessayez.",
        "broken_title": "Un problème est survenu",
        "broken": "Le stand n'a pas pu le faire. Demandez de l'aide à l'équipe du stand.",
        "text_changed": "Le texte de consentement a changé depuis l'ouverture de cette page ; relisez-le et faites"
        " vos choix.",
        "bad_purpose": "Un des choix n'est pas un usage proposé ici ; choisissez à nouveau parmi ceux affichés.",
        "bad_age": "Choisissez l'âge de la personne filmée.",
        "long_name": f"Donnez le nom du parent ou du représentant légal, de 2 à {MAX_NAME} caractères.",
        "long_email": f"Donnez une adresse e-mail de {MAX_EMAIL} caractères au plus.",
        "screen_code": "Code affiché sur l'écran du stand",
        "screen_code_hint": "Les 6 chiffres affichés à côté du code QR que vous avez scanné. Plus au stand ?"
        " L'équipe peut vous les montrer à nouveau.",
        "bad_code": "Saisissez les 6 chiffres affichés sur l'écran du stand, à côté du code QR.",
    },
}

# booth.consent.decisions, records and store say what is wrong in English; the French page and kiosk say it in French
ERRORS_FR = {
    NOT_OFFERED: WORDS["fr"]["bad_purpose"],
    NO_AGE: WORDS["fr"]["bad_age"],
    NAME_LENGTH: WORDS["fr"]["long_name"],
    NAME_HIDDEN: "Le nom du parent ou du représentant légal contient des caractères cachés qui changent sa lecture ;"
    " saisissez-le à nouveau.",
    GUARDIAN_ON_PHONE: "Sous la limite d'âge, un parent ou représentant légal consent pour le participant : donnez son"
    " nom et confirmez qu'il en est le parent ou le représentant légal.",
    GUARDIAN_ON_KIOSK: "Sous la limite d'âge, un parent ou représentant légal décide, en donnant son nom, sur son"
    " téléphone ; ici, vous pouvez seulement tout refuser.",
    EMAIL_WITHOUT_SEND_ME: "L'adresse e-mail sert uniquement à vous envoyer votre clip : activez cet usage, ou laissez"
    " l'adresse vide.",
    NOT_AN_EMAIL: "Ce n'est pas une adresse e-mail comme nom@exemple.fr.",
    CLIP_GONE: "Ce clip n'est plus sur le stand.",
    ALREADY_RECORDED: "Un choix a déjà été enregistré pour ce clip ; pour le changer, retirez-le avec votre code de"
    " retrait.",
    CLIP_CHANGED: "Ce clip a changé depuis qu'il a été montré ; demandez de l'aide à l'équipe du stand.",
}


def french_spacing(text: str) -> str:
    """French puts a space before : ; ? ! and inside « »; a no-break one keeps them on the line of their word."""
    for plain, kept in ((" :", "\u00a0:"), (" ;", "\u00a0;"), (" ?", "\u00a0?"), ("« ", "«\u00a0"), (" »", "\u00a0»")):
        text = text.replace(plain, kept)
    return text


WORDS["fr"] = {key: french_spacing(value) for key, value in WORDS["fr"].items()}
ERRORS_FR = {key: french_spacing(value) for key, value in ERRORS_FR.items()}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def say(language: str, error: ConsentError | str) -> str:
    """A one-line error as the page's language says it."""
    message = str(error)
    return ERRORS_FR.get(message, message) if language == "fr" else message
