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
/// Italian, Dutch, Polish, Indonesian, Turkish, Swedish, Russian and
/// Ukrainian that are not English words (no "die", "me", "no", "in",
/// "was"); the Latin ones written as the normaliser folds them. Two of
/// them in one message mark it as written in another language.
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
         czasem kiedy gdy zeby",
    ),
    (
        "Indonesian",
        "yang tidak ga gak nggak bisa katanya ini itu aku saya kok udah sudah tapi di ada \
         kenapa",
    ),
    (
        "Turkish",
        "bir bu ki degil diyor neden hala ama gibi zaten icin sonra mı mu",
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
    // (Not "мене", "мені", "тому", "знову": they read "mehe", "mehi", "tomy",
    // "3hoby".)
    (
        "Ukrainian",
        "що каже хоча але після пише також вже чому коли працює видає",
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
         odtwarzania, odtwarzaniu, odtwarzaniem, pemutaran, oynatma, oynatılması, \
         oynatımı, uppspelning, uppspelningen, \
         воспроизведение, воспроизведения, воспроизведении, воспроизведением, \
         відтворення, відтворенні, відтворенням",
    ),
    (
        "track song",
        "canción, canciones, tema, faixa, música, chanson, morceau, titre, titel, lied, \
         canzone, brano, liedje, utwór, utwory, utworów, utworu, piosenka, piosenki, lagu, \
         lagunya, şarkı, låt, låten, \
         трек, трека, песня, песню, \
         parça, parçayı, parçası, parçalar",
    ),
    ("album", "álbum, albüm"),
    (
        "device",
        "dispositivo, dispositivos, dispositivi, appareil, appareils, gerät, geräte, \
         geräten, gerätes, apparaat, apparaten, urządzenie, urządzeniu, urządzenia, \
         urządzeń, urządzeniem, urządzeniach, perangkat, cihaz, cihazda, cihazı, \
         cihazdan, cihaza, cihazım, cihazımda, cihazlar, cihazlardan, enhet, enheten, \
         enheter, enheterna, \
         устройство, устройстве, устройства, устройств, устройству, устройством, \
         девайс, девайса, девайсе, \
         пристрій, пристрою, пристрої, пристроїв, пристроях, пристроєм",
    ),
    (
        "account",
        "cuenta, cuentas, conta, contas, compte, comptes, konto, kontos, konta, koncie, \
         kontem, akun, akunku, akunnya, hesap, hesabım, hesabın, hesabınız, hesabı, \
         hesabımı, hesabınızı, hesabımız, hesaba, hesabımda, hesabınızda, hesapta, \
         hesabımın, hesabınızın, kontot, \
         аккаунт, аккаунте, аккаунта, аккаунту, аккаунтом, учётная запись, \
         учетная запись, учётной записи, учетной записи, учётную запись, \
         учетную запись, \
         акаунт, акаунта, акаунті, акаунту, акаунтом, обліковий запис, \
         облікового запису, обліковому записі",
    ),
    (
        "enabled",
        "habilitado, habilitada, habilitados, habilitadas, activado, activada, \
         activados, ativado, ativada, ativados, activé, activée, activés, activées, \
         aktiviert, aktivierte, eingeschaltet, abilitato, abilitata, abilitati, \
         attivato, attivata, attivati, ingeschakeld, geactiveerd, włączone, włączony, \
         włączona, diaktifkan, aktif, etkin, etkinleştirildi, etkinleştirilmiş, \
         aktiverad, aktiverat, aktiverade, \
         включено, включен, включена, включены, включён, разрешено, \
         увімкнено, ввімкнено, увімкнений, увімкнена, активовано, дозволено",
    ),
    (
        "not enabled",
        "etkinleştirilmemiş, etkinleştirilmedi, \
         не включено, не включен, не включена, не включены, не включён, \
         не увімкнено, не ввімкнено",
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
        "pestañas, pestaña, abas, aba, guias, onglets, onglet, registerkarten, \
         registerkarte, schede, scheda, tabbladen, tabblad, karty, kart, kartach, \
         kartami, sekme, sekmeler, sekmesi, sekmeyi, sekmede, sekmeleri, flikar, flik, \
         flikarna, \
         вкладок, вкладки, вкладка, вкладку, вкладках, вкладкой, вкладками, вкладкою",
    ),
    (
        "many",
        "demasiadas, demasiados, demasiado, muchas, muchos, muitas, muitos, demais, \
         trop, trop de, beaucoup, viele, zu viele, zuviele, troppe, troppi, molte, \
         molti, te veel, teveel, veel, za dużo, zbyt, zbyt wiele, zbyt dużo, za wiele, \
         wiele, dużo, terlalu banyak, banyak, çok fazla, fazla, çok sayıda, för många, \
         kebanyakan, \
         слишком много, много, слишком, \
         забагато, занадто багато, надто багато, багато, занадто",
    ),
    (
        "open",
        "abiertas, abiertos, abierto, abierta, abertas, abertos, aberta, aberto, \
         ouverts, ouvertes, ouvert, ouverte, offen, offene, offenen, geöffnet, \
         geöffnete, geöffneten, aperte, aperti, aperta, aperto, geopend, geopende, \
         openstaande, otwartych, otwarte, otwarty, otwarta, otwartymi, terbuka, açık, \
         açıkken, öppna, öppen, öppet, \
         открыто, открыт, открыты, открыта, открытых, открытые, открытыми, \
         відкритих, відкриті, відкрито, відкритий, відкрита, відкритими, \
         kebuka, dibuka",
    ),
    (
        "close",
        "cierra, cerrar, cierre, fechar, feche, fermer, fermez, ferme, \
         schließen, schliessen, schließe, schliesse, chiudi, chiudere, chiudete, sluit, \
         sluiten, zamknij, zamknąć, zamknięcie, tutup, menutup, stäng, stänga, \
         закройте, закрыть, закрой, \
         закрийте, закрити, закрий",
    ),
    (
        "continue",
        "continuar, continúa, continua, continuer, continuez, fortfahren, \
         continuare, continuate, doorgaan, verdergaan, ga verder, kontynuuj, \
         kontynuować, lanjutkan, melanjutkan, devam, devam et, devam edin, fortsätt, \
         fortsätta, \
         продолжить, продолжайте, продолжай, \
         продовжити, продовжуйте, продовжуй",
    ),
    ("continue listening", "weiterhören, weiter hören"),
    (
        "remove",
        "eliminar, elimina, elimine, quitar, quita, borrar, borra, remover, remova, \
         excluir, exclua, supprimer, supprimez, supprime, retirer, retirez, enlever, \
         entfernen, entferne, löschen, lösche, rimuovere, rimuovi, eliminare, cancella, \
         cancellare, verwijder, verwijderen, usuń, usunąć, usunięcie, usuwać, hapus, \
         menghapus, kaldır, kaldırın, kaldırmak, sil, silin, silmek, ta bort, radera, \
         удалить, удалите, удали, удаление, \
         видалити, видаліть, видали, видалення",
    ),
    (
        "please",
        "por favor, svp, bitte, per favore, perfavore, alsjeblieft, alstublieft, aub, \
         proszę, tolong, silakan, mohon, lütfen, snälla, vänligen, \
         пожалуйста, будь ласка, будь-ласка",
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
        "sesión, sessão, sitzung, sessione, sessie, sesja, sesji, sesi, sesinya, \
         oturum, oturumunuz, oturumunuzun, oturumun, oturumum, oturumumun, oturumu, \
         oturumunuzu, oturumunun, sessionen, \
         сеанс, сеанса, сеансе, сессия, сессии, сессию, \
         сесія, сесії, сесію, сеансу",
    ),
    (
        "terminated",
        "terminada, finalizada, encerrada, terminée, beendet, terminata, beëindigd, \
         zakończona, berakhir, sonlandırıldı, avslutad",
    ),
    (
        "expired",
        "expirado, expirada, expiró, expirou, caducado, caducada, caducó, vencida, \
         venceu, expirée, expiré, abgelaufen, abgelaufene, scaduta, scaduto, \
         verlopen, wygasła, wygasł, wygasło, wygasnęła, kedaluwarsa, kadaluarsa, \
         kadaluwarsa, süresi doldu, süresi dolmuş, süresi geçti, sona erdi, gått ut, \
         utgått, \
         истёк, истек, истекло, истёкло, истекла, \
         закінчився, закінчилася, закінчилась, минув, сплив",
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
         indirme, ladda ner, descargas, téléchargements, unduhan, unduhannya, \
         indirilenler, indirmeler, indirmeleri, nedladdningar, nedladdningarna, \
         скачать, загрузить, загрузка, загрузки, загрузок, скачивание, \
         завантаження, завантажити, завантажте",
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
        "hors ligne, fuera de línea, sin conexión, sem conexão, çevrimdışı, \
         çevrim dışı, luring, офлайн, оффлайн, без интернета, без інтернету",
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
        "descargado, descargada, descargados, descargadas, baixado, baixada, \
         baixados, baixadas, téléchargé, téléchargée, téléchargés, téléchargées, \
         heruntergeladen, heruntergeladene, scaricato, scaricata, scaricati, \
         gedownload, gedownloade, pobrany, pobrane, pobranych, diunduh, indirilen, \
         indirilmiş, nedladdade, nedladdad, \
         скачанный, скачанного, скачанные, скачанных, \
         завантажені, завантажених",
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
         inhabilitada, inhabilitado, deshabilitadas, deshabilitados, desabilitada, \
         desabilitado, désactivés, désactivées, deaktivierte, deaktiviertes, \
         ausgeschaltet, disattivata, disabilitata, disattivati, gedeactiveerd, \
         wyłączona, dezaktywowane, dezaktywowany, dezaktywowana, nonaktif, \
         devre dışı bırakıldı, devre dışı bırakılmış, inaktiverat, avaktiverad, \
         avaktiverat, \
         отключён, отключены, деактивирована, деактивировано, выключено, выключен, \
         вимкнено, вимкнений, вимкнена, відключено, відключений, деактивовано, \
         деактивований",
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
         audição, escucha, ascolti, luisteren, escuchas, escuche, ouvindo, ouça, \
         écoutez, anhören, ascoltando, luister, słucham, słuchanie, posłuchać, \
         dengar, mendengar, dengerin, dinlemeye, dinleme, dinleyin, dinliyorum, \
         lyssnar, lyssnande, \
         слушать, слушаю, прослушивание, прослушивания, \
         слухати, слухаю, прослуховування",
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
         försök, inténtelo, intente, réessayez, réessaie, versuch, probeer, probeert, \
         proberen, spróbować, spróbujcie, cobalah, mencoba, deneyiniz, försöka, \
         попробуйте, попробуй, попробовать, \
         спробуйте, спробуй, спробувати",
    ),
    (
        "again",
        "otra vez, de nuevo, nuevamente, novamente, de novo, outra vez, à nouveau, \
         de nouveau, nochmal, noch einmal, erneut, wieder, di nuovo, opnieuw, nogmaals, \
         weer, ponownie, znowu, jeszcze raz, lagi, tekrar, yeniden, yine, igen, \
         снова, ещё раз, еще раз, ще раз",
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
        "contenido protegido, conteúdo protegido, contenu protégé, geschützte inhalte, \
         geschützten inhalten, contenuti protetti, contenuto protetto, \
         beveiligde content, chronionych treści, korumalı içerik, korumalı içeriğin, \
         skyddat innehåll, \
         защищённого контента, защищенного контента, защищённый контент, \
         защищенный контент, захищеного контенту, захищеного вмісту",
    ),
    (
        "protected",
        "protegido, protegidos, protegidas, protegida, protégé, protégés, geschützt, \
         geschützte, protetti, protetto, beveiligd, beschermd, chronione, dilindungi, \
         korumalı, skyddat, protégée, protégées, geschützten, geschützter, \
         geschütztes, protetta, protette, beveiligde, beschermde, chronionych, \
         chronionej, chroniona, chroniony, chronionego, zabezpieczone, \
         zabezpieczonych, terlindungi, korunan, skyddad, skyddade, \
         защищённого, защищенного, защищённый, защищенный, защищённое, защищенное, \
         защищённых, защищенных, защищённым, защищенным, \
         захищеного, захищений, захищене, захищеним, захищених, захищеному",
    ),
    (
        "content",
        "contenido, conteúdo, contenu, inhalt, inhalte, contenuti, contenuto, inhoud, \
         treści, zawartość, konten, içerik, innehåll, contenidos, conteúdos, contenus, \
         inhalten, inhalts, treść, treścią, zawartości, içeriği, içeriğin, \
         içerikler, içeriklerin, innehållet, \
         контент, контента, контенте, контентом, содержимое, содержимого, \
         вміст, вмісту, контенту, контенті",
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
        "otro, otra, outro, outra, autre, anderen, altro, altra, inny, innego, innym, \
         innej, inna, lain, annan, annat, andere, başka",
    ),
    ("wrong", "errado, errada, mauvais, storto, verkeerd, złe"),
    ("already", "ya, já, déjà, già"),
    (
        "connected",
        "conectado, conectada, vinculado, vinculada, ligado, ligada, associado, \
         associada, connectée, associé, associée, verbunden, verknüpft, \
         collegato, collegata, associato, associata, gekoppeld, verbonden, połączony, \
         połączone, powiązany, powiązane, bağlı, kopplad, kopplat, \
         привязан, привязана, привязано",
    ),
    (
        "user",
        "usuario, usuário, utilisateur, utente, gebruiker, \
         użytkownik, użytkownika, kullanıcı, kullanıcıya, \
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
    fn reads_inflected_and_cyrillic_forms() {
        assert_eq!(english("Hesap devre dışı"), ["account", "disabled"]);
        assert_eq!(
            english("Воспроизведение защищённого контента не включено"),
            ["playback", "protected", "content", "not", "enabled"]
        );
        assert_eq!(
            english("забагато відкритих вкладок"),
            ["many", "open", "tabs"]
        );
        assert_eq!(
            english("usunąć pobrane z innego urządzenia"),
            ["remove", "downloaded", "z", "another", "device"]
        );
        assert_eq!(english("utwory"), ["track", "song"]);
        assert_eq!(
            english("Oturumunuzun süresi doldu, lütfen tekrar deneyin"),
            ["session", "expired", "please", "again", "try"]
        );
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
