{{- define "s1.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}
{{- define "shared" -}}parent-shared {{ .Template.Name }}{{- end -}}
