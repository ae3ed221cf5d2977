{{- define "pipeline.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pipeline.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pipeline.serviceAccountName" -}}
{{- default (include "pipeline.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "pipeline.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "pipeline.lakeVolume" -}}
- name: lake
{{- if .Values.lake.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.lake.existingClaim }}
{{- else if .Values.lake.scratch }}
  # lake.scratch: lost on restart, and not shared with the report (accepted in values).
  emptyDir: {}
{{- else }}
  persistentVolumeClaim:
    claimName: {{ include "pipeline.fullname" . }}-lake
{{- end }}
{{- end -}}

{{/* Where Athena runs, for `report --engine athena` and `schema athena --apply`. */}}
{{- define "pipeline.athenaArgs" -}}
{{- $a := .Values.report.athena | default dict -}}
- --workgroup
- {{ $a.workgroup | default "primary" | quote }}
- --database
- {{ $a.database | default "pipeline" | quote }}
{{- with $a.outputLocation }}
- --output-location
- {{ . | quote }}
{{- end }}
{{- with $a.endpoint }}
- --endpoint
- {{ . | quote }}
{{- end }}
{{- with .Values.lake.s3Endpoint }}
- --s3-endpoint
- {{ . | quote }}
{{- end }}
{{- end }}
