{{- define "s0.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}
{{- define "shared" -}}parent-shared {{ .Template.Name }}{{- end -}}
{{- define "rec" -}}{{ with .next }}[{{ include "rec" . }}]{{ else }}done{{ end }}{{- end -}}
