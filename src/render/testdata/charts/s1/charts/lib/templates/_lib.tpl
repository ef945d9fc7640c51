{{- define "lib.fn" -}}lib-fn{{- end -}}
