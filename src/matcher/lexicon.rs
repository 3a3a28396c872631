//! Reading a report written in another language.
//!
//! Help servers are international: "Spotify me dit « Un pare-feu bloque
//! peut-être Spotify »", "bei mir kommt 'Keine Internetverbindung
//! erkannt'". People quote the message their app shows in their language,
//! or describe the error in it. The catalogue is English, so such a report
//! shares no words with it.
//!
//! When a message reads as another language ([`FUNCTION_WORDS`]: at least
//! two of the small words every sentence of that language has), its words
//! that have an English counterpart in the vocabulary of Spotify's errors
//! are read as that counterpart before the words are matched. This is a
//! word list, not a translation of Spotify's localised strings: it names
//! what a word means ("cortafuegos" is a firewall), so that the pooled
//! evidence of several words can point to the entry. English messages are
//! never rewritten: the lexicon is consulted only for a message that reads
//! as another language, and no small word that marks one is English (some
//! keys are: "land", "red", "zone" mean something else in English).
//!
//! Keys are written as people spell them; they are folded like the text
//! they are compared with (lower case, accents dropped, Cyrillic letters
//! that look Latin read as Latin).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::normalize::Normalized;
use super::tokens::{Token, tokenize};

/// Per language, small words of Spanish, Portuguese, French, German,
/// Italian, Dutch, Polish, Indonesian, Turkish, Swedish and Russian that
/// are not English words (no "die", "me", "no", "in", "was"); the Latin
/// ones written as the normaliser folds them. Two of them in one message
/// mark it as written in another language.
pub(crate) const FUNCTION_WORDS: &[(&str, &str)] = &[
    (
        "Spanish",
        "el los las que mi una pero porque cuando esta puedo para por con tengo como muy \
         hay tambien desde ahora aparece funciona sigue al de en es se",
    ),
    (
        "Portuguese",
        "meu minha nao diz uma mas quando voce pra tenho fica esta aparecendo ja tambem \
         ao nenhum",
    ),
    (
        "French",
        "un le les je peut ma mes pas dit une des avec sur mais quand du suis marche \
         toujours rien",
    ),
    (
        "German",
        "der das ich nicht ist mein meine meiner und mir bei kommt sagt aber wenn auf \
         obwohl ein eine immer kann geht habe hab wird auch noch schon bitte",
    ),
    (
        "Italian",
        "il che mio mia sempre perche sono della questo funziona anche ancora",
    ),
    (
        "Dutch",
        "het een niet ik mijn zegt voor maar wel krijg bij ook nog werkt staat heb geen",
    ),
    (
        "Polish",
        "ze nie sie jest moj moje pisze mam ale co jak czy mnie mi juz dziala po pokazuje \
         czasem kiedy gdy",
    ),
    (
        "Indonesian",
        "yang tidak ga gak nggak bisa katanya ini itu aku saya kok udah sudah tapi di ada \
         kenapa",
    ),
    (
        "Turkish",
        "bir bu ki degil diyor neden hala ama gibi zaten icin",
    ),
    (
        "Swedish",
        "och jag inte det mitt sager fungerar av har redan som",
    ),
    // (Only words that do not fold to a Latin word: "не" reads "he".)
    (
        "Russian",
        "что меня уже после через пишет вроде когда почему опять просто выдает говорит \
         при выскакивает",
    ),
];

/// English word(s) → how other languages write them, comma-separated.
/// Several English words are read for one foreign word where English uses
/// both ("track song"), and a key of two or three words is read before its
/// parts.
const MEANINGS: &[(&str, &str)] = &[
    (
        "firewall",
        "cortafuegos, pare-feu, parefeu, zapora, zapora sieciowa, zapory, güvenlik \
         duvarı, brandvägg, brandväggen, \
         брандмауэр, брандмауэром, файрвол, фаервол",
    ),
    (
        "block",
        "bloquear, bloquea, bloqueando, bloqueado, bloqueada, bloqueia, bloque, \
         bloquer, bloqué, bloquée, bloquent, blockiert, blockieren, blockt, gesperrt, \
         sperrt, blocca, bloccando, bloccato, bloccata, bloccare, blokkeert, blokkeren, \
         geblokkeerd, blokuje, blokować, blokowany, blokowane, zablokowany, \
         zablokowane, zablokowana, memblokir, diblokir, blokir, engelliyor, engellendi, \
         engelleniyor, blockerar, blockerad, \
         блокирует, блокировать, заблокирован, заблокировано, блокировка",
    ),
    (
        "internet connection",
        "internetverbindung, internetverbinding, internetanslutning",
    ),
    (
        "internet",
        "internetu, internetowe, internetowego, internete, \
         интернет, интернету, интернета, интернетом",
    ),
    (
        "connection",
        "conexión, conexao, conexão, connexion, verbindung, connessione, verbinding, \
         połączenie, połączenia, koneksi, bağlantı, bağlantısı, anslutning, \
         подключение, подключения, соединение, соединения",
    ),
    (
        "connect",
        "conectar, conecta, conectarse, conectar-se, connecter, connecte, verbinden, \
         verbindet, connettere, connettersi, połączyć, terhubung, menghubungkan, konek, \
         bağlanamıyor, ansluta, \
         подключиться, подключается",
    ),
    (
        "detected",
        "detectado, detectada, detecta, detetada, détectée, détecté, erkannt, rilevata, \
         rilevato, gedetecteerd, wykryto, terdeteksi, algılanmadı, upptäckt, \
         обнаружено, обнаружен",
    ),
    (
        "no",
        "ninguna, ningún, keine, kein, aucune, aucun, nessuna, nessun, geen, brak, \
         nenhuma, ingen, tidak ada, yok",
    ),
    (
        "not",
        "nicht, pas, não, niet, nie, tidak, ga, gak, nggak, enggak, değil, inte, ne",
    ),
    (
        "country",
        "país, pais, pays, land, paese, kraj, kraju, negara, ülke, ülkem, ülkesi, \
         landet, \
         страна, страны, стране",
    ),
    (
        "match",
        "coincide, coinciden, corresponde, correspond, correspondent, überein, \
         übereinstimmt, übereinstimmen, overeenkomt, overeenkomen, passt, corrisponde, \
         overeen, zgadza, pasuje, cocok, sesuai, eşleşmiyor, stämmer",
    ),
    (
        "profile",
        "perfil, profil, profilo, profiel, profilu, profilim, profilen, \
         профиль, профиле, профиля",
    ),
    (
        "region",
        "région, regione, regio, regionie, regionu, wilayah, daerah, bölge, bölgede, \
         regionen, zona, zone, \
         регион, регионе, региона, \
         bölgenizde, bölgemde, bölgende",
    ),
    (
        "available",
        "disponible, disponibles, disponível, verfügbar, disponibile, beschikbaar, \
         dostępny, dostępne, dostępna, tersedia, mevcut, tillgänglig, \
         доступен, доступно, доступна",
    ),
    (
        "play",
        "reproducir, reproduce, reproduciendo, tocar, toca, tocando, reproduzir, lire, \
         jouer, abspielen, abgespielt, spielt, riprodurre, riproduce, afspelen, \
         afgespeeld, odtworzyć, odtwarza, odtworzenia, diputar, memutar, putar, \
         çalmıyor, çalınamıyor, spela, spelar, \
         воспроизвести, воспроизводится, играет",
    ),
    (
        "playback",
        "reproducción, reprodução, lecture, wiedergabe, riproduzione, odtwarzanie, \
         pemutaran, uppspelning",
    ),
    (
        "track song",
        "canción, canciones, tema, faixa, música, chanson, morceau, titre, titel, lied, \
         canzone, brano, liedje, utwór, piosenka, piosenki, lagu, lagunya, şarkı, låt, \
         låten, \
         трек, трека, песня, песню, \
         parça, parçayı, parçası, parçalar",
    ),
    ("album", "álbum, albüm"),
    (
        "device",
        "dispositivo, appareil, gerät, geräte, apparaat, urządzenie, urządzeniu, \
         urządzenia, perangkat, cihaz, cihazda, enhet, enheten, \
         устройство, устройстве, устройства",
    ),
    (
        "account",
        "cuenta, conta, compte, konto, kontа, akun, hesap, hesabım, kontot, \
         аккаунт, аккаунте, аккаунта, учётная запись, учетная запись, учётной записи, учетной записи",
    ),
    (
        "enabled",
        "habilitado, habilitada, activado, activada, ativado, ativada, activé, activée, \
         aktiviert, abilitato, abilitata, attivato, ingeschakeld, włączone, włączony, \
         diaktifkan, etkin, aktiverad, \
         включено, включен, разрешено",
    ),
    (
        "use",
        "uso, utilisation, utiliser, nutzung, verwendung, nutzen, utilizzo, gebruik, \
         użycie, korzystanie, penggunaan, menggunakan, kullanım, användning, används, \
         usados, usadas, utilisés, utilisées, verwendet, benutzt, utilizzati, gebruikt, \
         używane, digunakan, \
         использование, использовать",
    ),
    (
        "tabs",
        "pestañas, pestaña, abas, onglets, onglet, schede, tabbladen, karty, kart, \
         sekme, flikar, \
         вкладок, вкладки",
    ),
    (
        "many",
        "demasiadas, demasiados, muitas, muitos, trop, viele, troppe, troppi, te veel, \
         za dużo, zbyt, terlalu banyak, çok fazla, för många, \
         kebanyakan, слишком много",
    ),
    (
        "open",
        "abiertas, abiertos, abierto, abertas, abertos, ouverts, ouvertes, ouvert, \
         offen, geöffnet, aperte, aperti, otwartych, otwarte, terbuka, açık, öppna, \
         открыто, открыт, открыты, \
         kebuka, dibuka",
    ),
    (
        "password",
        "contraseña, senha, mot de passe, passwort, wachtwoord, hasło, kata sandi, \
         sandi, şifre, lösenord, \
         пароль, пароля",
    ),
    (
        "username",
        "nombre de usuario, nom d'utilisateur, benutzername, nome utente, \
         gebruikersnaam, nazwa użytkownika, kullanıcı adı, användarnamn",
    ),
    (
        "incorrect",
        "incorrecto, incorrecta, incorretos, incorreta, incorreto, incorrecte, falsch, \
         errato, errata, sbagliato, onjuist, nieprawidłowe, nieprawidłowy, salah, \
         yanlış, felaktigt, \
         неверный, неверное, неверные, неправильный",
    ),
    (
        "session",
        "sesión, sessão, sitzung, sessione, sessie, sesja, sesi, oturum, \
         сеанс, сеанса, сессия, сессии",
    ),
    (
        "terminated",
        "terminada, finalizada, encerrada, terminée, beendet, terminata, beëindigd, \
         zakończona, berakhir, sonlandırıldı, avslutad",
    ),
    (
        "expired",
        "expirado, expirada, caducado, caducada, expirée, expiré, abgelaufen, scaduta, \
         scaduto, verlopen, wygasła, kedaluwarsa, gått ut, \
         истёк, истек, истекло, истёкло, истекла",
    ),
    (
        "restricted",
        "restringida, restringido, restrita, restrito, restreinte, réservée, réservé, \
         beschränkt, eingeschränkt, limitata, riservata, beperkt, ograniczona, \
         dibatasi, kısıtlı, begränsad",
    ),
    (
        "only",
        "solo, sólo, solamente, apenas, uniquement, seulement, nur, alleen, tylko, \
         hanya, sadece, bara, endast",
    ),
    (
        "users",
        "usuarios, usuários, utilisateurs, nutzer, benutzer, utenti, gebruikers, \
         użytkowników, pengguna, kullanıcılar, användare",
    ),
    (
        "update",
        "actualizar, actualiza, actualización, actualizado, actualizada, atualizar, \
         atualização, atualizado, mise à jour, mettre à jour, aktualisieren, \
         aktualisierung, aktualisiert, aggiornare, aggiornamento, aggiorna, aggiornato, \
         bijwerken, updaten, bijgewerkt, zaktualizuj, aktualizacja, aktualizować, \
         zaktualizować, perbarui, pembaruan, memperbarui, güncelle, güncelleme, \
         güncelleyin, uppdatera, uppdatering, \
         обновить, обновление, обновите, обновления",
    ),
    (
        "version",
        "versión, versão, versione, versie, wersja, wersji, versi, sürüm, \
         версия, версию, версии",
    ),
    (
        "download",
        "descargar, descarga, baixar, télécharger, téléchargement, herunterladen, \
         scaricare, scarica, downloaden, pobrać, pobierz, unduh, mengunduh, indir, \
         indirme, ladda ner, \
         скачать, загрузить, загрузка",
    ),
    (
        "install",
        "instalar, instala, instalación, instalação, installieren, installare, \
         installazione, installeren, installatie, zainstalować, instalacja, instal, \
         menginstal, yükle, yükleme, kurulum, installera, \
         установить, установка, установщик",
    ),
    (
        "latest",
        "última, último, dernière, neueste, neuesten, ultima, nieuwste, najnowszą, \
         najnowsza, terbaru, senaste",
    ),
    (
        "service",
        "servicio, serviço, dienst, servizio, usługa, layanan, hizmet, tjänsten",
    ),
    (
        "temporarily",
        "temporalmente, temporariamente, temporairement, vorübergehend, \
         temporaneamente, tijdelijk, tymczasowo, sementara, geçici, tillfälligt",
    ),
    (
        "unavailable",
        "indisponible, indisponível, nicht erreichbar, non disponibile, niedostępny, \
         niedostępna, niedostępne, kullanılamıyor, \
         недоступен, недоступно, недоступна",
    ),
    (
        "login",
        "iniciar sesión, inicio de sesión, anmelden, anmeldung, einloggen, accedere, \
         accesso, inloggen, aanmelden, zalogować, logowanie, masuk, giriş, logga in, \
         inloggning, \
         вход, войти, входа",
    ),
    (
        "logged out",
        "abgemeldet, ausgeloggt, deslogueado, deslogado, déconnecté, disconnesso, \
         uitgelogd, wylogowany, wylogowało, wylogowalo, keluar, utloggad",
    ),
    (
        "artist",
        "artista, artiste, künstler, künstlerin, interpret, artiest, artysta, artysty, \
         artis, sanatçı, artisten",
    ),
    (
        "allow",
        "permitir, permitas, permita, autoriser, autorises, erlauben, erlaubst, \
         consentire, toestaan, zezwolić, izinkan, tillåt, tillåta",
    ),
    (
        "offline",
        "hors ligne, fuera de línea, sin conexión, sem conexão, çevrimdışı",
    ),
    ("mode", "modo, modus, modalità, tryb, läge, läget, modu"),
    (
        "offline mode",
        "offlinemodus, offline-modus, modo offline, mode hors ligne, modalità offline, \
         tryb offline, mode offline, çevrimdışı mod, offlineläge, offlineläget",
    ),
    (
        "turn off",
        "desactiva, desactivar, desativa, desativar, désactiver, désactivez, \
         ausschalten, schalte aus, deaktiviere, disattiva, disattivare, zet uit, uitzetten, \
         wyłącz, matikan, kapat, kapatıp, kapatın, stäng av",
    ),
    ("off", "uit"),
    (
        "countdown",
        "cuenta regresiva, contagem regressiva, compte à rebours, conto alla rovescia, odlicza, odliczanie, geri sayım, nedräkning, обратный отсчёт",
    ),
    (
        "stopped",
        "parou, paró, arrêté, aufgehört, smesso, gestopt, przestał, przestało, berhenti, durdu, slutade, перестал, перестало",
    ),
    (
        "downloaded",
        "descargado, descargada, baixado, baixada, téléchargé, téléchargée, heruntergeladen, scaricato, scaricata, gedownload, pobrany, pobrane, скачанный, скачанного",
    ),
    (
        "disk image",
        "imagen de disco, imagem de disco, image disque, image de disque, disk-image, immagine disco, obraz dysku, образ диска",
    ),
    (
        "mount",
        "montar, monter, mounten, einhängen, montare, zamontować, смонтировать",
    ),
    (
        "reached",
        "alcanzado, alcanzaste, atingi, atingiu, atingido, atteint, erreicht, raggiunto, bereikt, osiągnięty, osiągnąłeś, tercapai, ulaştı, достигнут",
    ),
    (
        "monthly",
        "mensal, mensual, mensuel, monatlich, monatliches, mensile, maandelijks, miesięczny, bulanan, aylık, månatlig",
    ),
    (
        "exclusive",
        "exclusivo, exclusiva, exclusif, exclusive, exklusiv, exklusive, esclusiva, \
         esclusivo, exclusieve, exclusief, wyłączny, eksklusif, exklusivt",
    ),
    (
        "files",
        "archivos, arquivos, fichiers, dateien, bestanden, pliki, dosyalar, \
         filerna, filer, \
         файлы, файлов",
    ),
    (
        "process",
        "proceso, processo, processus, prozess, proces, procesy, işlem, \
         процесс, процессом",
    ),
    (
        "network",
        "red, rede, réseau, netzwerk, rete, netwerk, sieć, sieci, sieciowa, jaringan, \
         nätverk, nätverket",
    ),
    (
        "administrator",
        "administrador, administrateur, amministratore, beheerder, administratör",
    ),
    (
        "contact",
        "contacta, contacte, contactez, kontaktiere, contatta, skontaktuj, hubungi, \
         kontakta",
    ),
    ("email", "correo, courriel, mailadres, e-post"),
    (
        "disabled",
        "deshabilitada, deshabilitado, desactivada, desactivado, desativada, \
         desativado, désactivé, désactivée, deaktiviert, disattivato, disabilitato, \
         uitgeschakeld, wyłączone, wyłączony, dinonaktifkan, devre dışı, inaktiverad, \
         отключен, отключено, отключена, деактивирован",
    ),
    (
        "suspended",
        "suspendida, suspendido, suspensa, suspendu, suspendue, gesperrte, sospeso, \
         sospesa, geschorst, zawieszone, zawieszony, ditangguhkan, askıya, avstängt",
    ),
    (
        "something",
        "algo, quelque chose, etwas, qualcosa, iets, coś, sesuatu, något",
    ),
    (
        "went wrong",
        "salió mal, deu errado, schiefgelaufen, schiefgegangen, andato storto, \
         misgegaan, poszło nie tak, gick fel, \
         пошло не так",
    ),
    (
        "listen",
        "escuchar, escuchando, ouvir, écouter, écoute, hören, ascoltare, ascolto, \
         luisteren, słuchać, słuchania, mendengarkan, dinlemek, lyssna, \
         audição, escucha, ascolti, luisteren",
    ),
    (
        "free",
        "gratis, gratuita, gratuito, gratuit, gratuite, kostenlos, kostenlose, darmowe, \
         darmowy, ücretsiz",
    ),
    ("limit", "límite, limite, limiet, sınır, gräns, gränsen"),
    ("month", "mois, monat, mese, maand, miesiąc, bulan, månad"),
    (
        "reconnect",
        "reconectar, reconectará, reconnecter, riconnettere, ponownie połączyć, \
         terhubung kembali",
    ),
    (
        "automatically",
        "automáticamente, automaticamente, automatiquement, automatisch, automatycznie, \
         otomatis, otomatik, automatiskt",
    ),
    (
        "try",
        "intenta, intentar, inténtalo, tente, tentar, réessayer, réessaye, essayez, \
         versuche, versuchen, riprova, riprovare, probeer, spróbuj, coba, dene, deneyin, \
         försök, \
         попробуйте, попробуй",
    ),
    (
        "again",
        "otra vez, de nuevo, novamente, de novo, nochmal, erneut, opnieuw, ponownie, \
         znowu, tekrar, снова",
    ),
    (
        "computer",
        "ordenador, computadora, computador, ordinateur, rechner, komputer, bilgisayar, \
         dator, datorn",
    ),
    (
        "file",
        "archivo, arquivo, fichier, datei, bestand, plik, berkas, dosya",
    ),
    (
        "protected content",
        "contenido protegido, conteúdo protegido, contenu protégé, geschützte inhalte \
         contenido protegido, conteúdo protegido, contenu protégé, geschützte inhalte",
    ),
    (
        "protected",
        "protegido, protegidos, protegidas, protegida, protégé, protégés, geschützt, \
         geschützte, protetti, protetto, beveiligd, beschermd, chronione, dilindungi, \
         korumalı, skyddat",
    ),
    (
        "content",
        "contenido, conteúdo, contenu, inhalt, inhalte, contenuti, contenuto, inhoud, \
         treści, zawartość, konten, içerik, innehåll, contenidos, conteúdos, contenus",
    ),
    (
        "supported",
        "compatible, soportado, suportado, compatível, unterstützt, supportato, \
         ondersteund, obsługiwane, didukung, desteklenmiyor, stöds",
    ),
    (
        "failed",
        "falló, fallido, fallida, falhou, échoué, échec, fehlgeschlagen, fallito, \
         fallita, mislukt, nieudane, gagal, başarısız, misslyckades",
    ),
    (
        "error",
        "fehler, erreur, errore, erro, fout, błąd, bład, hata, kesalahan, chyba, fel, \
         ошибка, ошибку, ошибки, ошибкой",
    ),
    (
        "can",
        "puede, puedo, pode, posso, peut, peux, kann, können, può, kan, moge, mogę, \
         bisa, dapat",
    ),
    (
        "cant",
        "no puedo, no puede, não consigo, não pode, kann nicht, kan niet, non posso, \
         non può, nie mogę, nie może, ga bisa, gak bisa, tidak bisa, tidak dapat, kan \
         inte, \
         çalamıyor, yapamıyor, açamıyorum, giremiyorum",
    ),
    (
        "space",
        "espacio, espaço, espace, speicherplatz, spazio, ruimte, miejsca, ruang",
    ),
    (
        "full",
        "lleno, cheio, plein, voll, pieno, pełny, penuh, dolu, fullt",
    ),
    (
        "another",
        "otro, otra, outro, outra, autre, anderen, altro, altra, inny, lain, annan, annat, \
         andere, başka",
    ),
    ("wrong", "errado, errada, mauvais, storto, verkeerd, złe"),
    ("already", "ya, já, déjà, già"),
    (
        "connected",
        "conectado, conectada, vinculado, vinculada, ligado, ligada, associado, \
         associada, connecté, connectée, associé, associée, verbunden, verknüpft, \
         collegato, collegata, associato, associata, gekoppeld, verbonden, połączony, \
         połączone, powiązany, powiązane, bağlı, kopplad, kopplat, \
         привязан, привязана, привязано",
    ),
    (
        "user",
        "usuario, usuário, utilisateur, benutzer, nutzer, utente, gebruiker, \
         użytkownik, użytkownika, pengguna, kullanıcı, kullanıcıya, användare, \
         пользователь, пользователю, пользователя",
    ),
    (
        "says",
        "dice, dicen, diz, dit, sagt, zegt, pisze, mówi, katanya, diyor, säger, \
         aparece, sale, erscheint, kommt",
    ),
    (
        "may",
        "peut-être, quizás, talvez, vielleicht, forse, misschien, może, mungkin, \
         kanske, olabilir",
    ),
];

/// Every (English, foreign) pair of [`MEANINGS`].
fn meanings() -> impl Iterator<Item = (&'static str, &'static str)> {
    MEANINGS
        .iter()
        .flat_map(|(english, keys)| keys.split(',').map(move |k| (*english, k.trim())))
}

/// Every word of [`FUNCTION_WORDS`].
pub(crate) fn function_words() -> impl Iterator<Item = &'static str> {
    FUNCTION_WORDS
        .iter()
        .flat_map(|(_, words)| words.split_whitespace())
}

/// The longest key, in words.
const MAX_KEY_WORDS: usize = 3;

/// Folded key (words joined by one space) → the English words it reads as.
fn table() -> &'static FxHashMap<String, &'static str> {
    static TABLE: OnceLock<FxHashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m = FxHashMap::default();
        for (english, key) in meanings() {
            m.entry(fold(key)).or_insert(english);
        }
        m
    })
}

/// A key folded the way message text is: lower case, accents dropped,
/// punctuation and apostrophes between words read as one space.
pub(crate) fn fold(key: &str) -> String {
    let n = Normalized::new(key);
    tokenize(&n.text)
        .iter()
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message's tokens with every word of another language that the
/// lexicon knows read as its English word(s), each at the span of the
/// word(s) it replaces; other words are kept. Longer keys are read first
/// ("mot de passe" before "passe").
pub(crate) fn read_as_english<'a>(tokens: &[Token<'a>]) -> Vec<Token<'a>> {
    let table = table();
    let mut out = Vec::with_capacity(tokens.len() + 4);
    let mut key = String::new();
    let mut i = 0;
    'tokens: while i < tokens.len() {
        for n in (1..=MAX_KEY_WORDS.min(tokens.len() - i)).rev() {
            key.clear();
            for (k, t) in tokens[i..i + n].iter().enumerate() {
                if k > 0 {
                    key.push(' ');
                }
                key.push_str(t.text);
            }
            if let Some(english) = table.get(key.as_str()) {
                let (start, end) = (tokens[i].start, tokens[i + n - 1].end);
                out.extend(english.split(' ').map(|w| Token {
                    text: w,
                    start,
                    end,
                }));
                i += n;
                continue 'tokens;
            }
        }
        out.push(tokens[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english(s: &str) -> Vec<&'static str> {
        let n = Normalized::new(s);
        let toks = tokenize(&n.text);
        // (Leaked so that the words outlive the test's text.)
        let text: &'static str = Box::leak(n.text.clone().into_boxed_str());
        let toks: Vec<Token<'static>> = toks
            .iter()
            .map(|t| Token {
                text: &text[t.start..t.end],
                start: t.start,
                end: t.end,
            })
            .collect();
        read_as_english(&toks).iter().map(|t| t.text).collect()
    }

    #[test]
    fn reads_words_and_compounds_as_english() {
        assert_eq!(
            english("Un pare-feu bloque peut-être Spotify"),
            ["un", "firewall", "block", "may", "spotify"]
        );
        assert_eq!(
            english("Keine Internetverbindung erkannt"),
            ["no", "internet", "connection", "detected"]
        );
        assert_eq!(english("mot de passe incorrect"), ["password", "incorrect"]);
    }

    #[test]
    fn function_words_and_keys_are_folded_forms() {
        for w in function_words() {
            let f = fold(w);
            if w.is_ascii() {
                assert_eq!(f, w, "function word {w} must be written folded");
            } else {
                // Cyrillic folds partly to Latin look-alikes; it must not
                // fold to a Latin word ("не" to "he").
                assert!(!f.is_ascii() && !f.contains(' '), "{w} folds to {f}");
            }
        }
        for (_, k) in meanings() {
            assert!(!fold(k).is_empty(), "{k}");
        }
    }

    #[test]
    fn no_cyrillic_key_reads_as_a_latin_small_word() {
        // "нет" folds to "het", Dutch for "the".
        let small: Vec<String> = function_words().map(fold).collect();
        let cyrillic = |k: &str| k.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c));
        for (_, k) in meanings().filter(|(_, k)| cyrillic(k)) {
            assert!(!small.contains(&fold(k)), "{k} folds to a small word");
        }
    }

    #[test]
    fn no_key_is_read_two_ways() {
        let mut seen: FxHashMap<String, &str> = FxHashMap::default();
        for (english, k) in meanings() {
            if let Some(other) = seen.insert(fold(k), english) {
                assert_eq!(other, english, "{k} is listed for {other} and {english}");
            }
        }
    }
}
