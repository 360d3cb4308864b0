* Um den Datensatz in SPSS zu laden, führen Sie diese Syntax bitte vollständig aus.
* - entweder (a) wählen Sie im Menü oben: "Ausführen", "Alles"
* - oder (b) markieren Sie die gesamte Syntax (Strg+A) und klicken Sie auf den Pfeil (Aktuellen Befehl ausführen)

DATA LIST FREE(TAB)
 /CASE (F8.0)
  SERIAL (A4)
  REF (A4)
  QUESTNNR (A4)
  MODE (A16)
  STARTED (DATETIME)
  KO01 (F3.0)
  KO02_01 (A8)
  DA01 (F3.0)
  DA01_01 (F1.0)
  DA01_02 (F1.0)
  DA01_03 (F1.0)
  DA02_01 (F3.0)
  DA02_02 (F3.0)
  DA03_01 (A128)
  TIME001 (F8.0)
  TIME002 (F8.0)
  TIME_SUM (F8.0)
  MAILSENT (DATETIME)
  LASTDATA (DATETIME)
  FINISHED (F1.0)
  Q_VIEWER (F1.0)
  LASTPAGE (F8.0)
  MAXPAGE (F8.0)
  MISSING (F8.0)
  MISSREL (F8.0)
  TIME_RSI (F12.4)
  DEG_TIME (F8.0).
BEGIN DATA
41			base	interview	10-02-2026 09:02:11	2	37.5	2	2	1	2	4	2	Online-Terminvergabe im Bürgerbüro; sehr beliebt	301	510	811		10-02-2026 09:15:42	1	0	2	2	0	0	1.12	3	
42			base	interview	11-02-2026 14:31:50	1	5	0	1	1	1	5	-9		120	374	494		11-02-2026 14:40:03	1	0	2	2	29	25	0.97	0	
43			base	interview	12-02-2026 08:05:27	3	12								95		95		12-02-2026 08:07:02	0	0	1	1	0	0			
END DATA.


VARIABLE WIDTH  SERIAL REF QUESTNNR MODE KO02_01 DA03_01 (8) STARTED MAILSENT LASTDATA (20)
.


**** Variable und Value Labels *********************************************************************************************


VARIABLE LABELS
 CASE 'Interview-Nummer (fortlaufend)'
 SERIAL 'Seriennummer (sofern verwendet)'
 REF 'Referenz (sofern im Link angegeben)'
 QUESTNNR 'Fragebogen, der im Interview verwendet wurde'
 MODE 'Interview-Modus'
 STARTED 'Zeitpunkt zu dem das Interview begonnen hat (Europe/Berlin)'
 KO01 'Art der Kommune'
 KO02_01 'Online-Anteil: Anteil online gestellter Anträge (in %)'
 DA01 'Angebote: Anzahl ausgewählter Optionen oder Code für Ausweichoption (falls &lt; 0)'
 DA01_01 'Angebote: Online-Terminvergabe'
 DA01_02 'Angebote: E-Akte'
 DA01_03 'Angebote: Bürgerportal'
 DA02_01 'Zustimmung: Die Verwaltung ist gut erreichbar.'
 DA02_02 'Zustimmung: Digitale Angebote werden genutzt.'
 DA03_01 'Gute Beispiele: [01]'
 TIME001 'Verweildauer Seite 1'
 TIME002 'Verweildauer Seite 2'
 TIME_SUM 'Verweildauer gesamt (ohne Ausreißer)'
 MAILSENT 'Versandzeitpunkt der Einladungsmail (nur für nicht-anonyme Adressaten)'
 LASTDATA 'Zeitpunkt als der Datensatz das letzte mal geändert wurde'
 FINISHED 'Wurde die Befragung abgeschlossen (letzte Seite erreicht)?'
 Q_VIEWER 'Hat der Teilnehmer den Fragebogen nur angesehen, ohne die Pflichtfragen zu beantworten?'
 LASTPAGE 'Seite, die der Teilnehmer zuletzt bearbeitet hat'
 MAXPAGE 'Letzte Seite, die im Fragebogen bearbeitet wurde'
 MISSING 'Anteil fehlender Antworten in Prozent'
 MISSREL 'Anteil fehlender Antworten (gewichtet nach Relevanz)'
 TIME_RSI 'Maluspunkte für schnelles Ausfüllen'
 DEG_TIME 'Maluspunkte für schnelles Ausfüllen'
.


VALUE LABELS
 /KO01 1 'Gemeinde' 2 'Stadt' 3 'Landkreis' -9 'nicht beantwortet'
 /DA01 0 'nicht beantwortet'
 /DA01_01 DA01_02 DA01_03 1 'nicht gewählt' 2 'ausgewählt'
 /DA02_01 DA02_02 1 'Stimme gar nicht zu' 5 'Stimme voll zu' -9 'nicht beantwortet'
 /FINISHED 0 'abgebrochen' 1 'ausgefüllt'
 /Q_VIEWER 0 'Teilnehmer' 1 'Durchklicker'
.

MISSING VALUES
 KO01 DA01 DA02_01 DA02_02 (-8,-9)
.

