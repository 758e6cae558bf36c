package agent

import "github.com/conciergehq/concierge"

// unheardTexts are the answers to a voice note nothing may be read from,
// by what kept it from being heard.
var unheardTexts = map[concierge.Speech]string{
	concierge.SpeechUnheard:   "voice_unheard",
	concierge.SpeechTooLarge:  "voice_too_large",
	concierge.SpeechWrongType: "voice_wrong_type",
}

// answerUnheard answers a voice note that was not heard (no transcriber,
// a failed or unsure transcription, a file too large or not audio): the
// customer is asked to write, with a button to a person. No brain reads
// it, so nothing is guessed and nothing changes. It reports whether the
// event was such a note.
func (t *Turn) answerUnheard() bool {
	id, ok := unheardTexts[t.Event.Speech]
	if !ok || t.Event.Kind != concierge.EventMedia {
		return false
	}
	t.Understood("voice_unheard") // for the hand-off packet
	t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T(id, nil),
		Buttons: []concierge.Button{{Label: t.T("btn_human", nil), Value: ValueHuman}}})
	return true
}
