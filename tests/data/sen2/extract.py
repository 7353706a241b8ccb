# Build tests/data/sen2 from the unpacked SEN2 releases: real rows, byte for byte
# (README.md says which). Run in a folder holding 2022/ and 2025/ (the unzipped
# education-health-and-care-plans_2022.zip and _2025.zip):
#     python3 extract.py /path/to/tests/data/sen2
import csv, io, os, sys
EM = {'830','831','855','856','857','891','892','925','928','940','941'}
SPLIT = {'909','942','943'}
SMALL22 = {'855','856','928','940','941','909'}
out = sys.argv[1]
spec = {
 '2025': {
  'caseload.csv': (['All EHC plans','Child or young persons age'], EM|SPLIT, lambda tp,topic: topic=='All EHC plans' or tp in ('202324','202425')),
  'newplans.csv': (['New EHC plans','Age when plan started'], EM|SPLIT, lambda tp,topic: topic=='New EHC plans' or tp=='2024'),
  'requests.csv': (['All requests for EHC needs assessments'], EM|SPLIT, None),
  'assessments.csv': (['All EHC needs assessments'], EM|SPLIT, None),
  'timeliness_20_week.csv': (['All EHC plans issued'], EM|SPLIT, None),
  'ceased_plans.csv': (['All ceased EHC plans','Age plan ceased'], EM|SPLIT, None),
  'sen_needs_all_plans.csv': (['All EHC plans','Type of placement'], EM|SPLIT, None),
  'sen_need_newplans.csv': (['All EHC plans'], EM|SPLIT, None),
 },
 '2022': {
  'sen2_age_caseload.csv': (None, EM|{'909'}, None),
  'sen2_age_new_plans.csv': (None, EM|{'909'}, None),
  'sen2_mi.csv': (None, EM|{'909'}, None),
  'sen2_estab_caseload.csv': (None, SMALL22, lambda tp,topic: tp>='2021'),
  'sen2_estab_new_plans.csv': (None, SMALL22, lambda tp,topic: tp>='2021'),
 }}
for rel, files in spec.items():
    os.makedirs(f'{out}/{rel}/data', exist_ok=True)
    for name,(topics,las,keep) in files.items():
        raw = open(f'{rel}/data/{name}','rb').read()
        lines = raw.split(b'\n')
        hdr = lines[0]
        cols = next(csv.reader([hdr.decode('utf-8-sig')]))
        ix = {c:i for i,c in enumerate(cols)}
        kept=[hdr]
        for ln in lines[1:]:
            if not ln.strip(): continue
            r = next(csv.reader([ln.decode('utf-8')]))
            lvl = r[ix['geographic_level']]
            if lvl=='National': ok=True
            elif lvl=='Regional': ok = r[ix['region_name']] in ('East Midlands','North West')
            elif lvl=='Local authority': ok = r[ix['old_la_code']] in las
            else: ok=False
            if ok and topics is not None: ok = r[ix['breakdown_topic']] in topics
            if ok and keep is not None and lvl=='Local authority': ok = keep(r[ix['time_period']], r[ix['breakdown_topic']] if topics else None)
            if ok and keep is not None and lvl!='Local authority': ok = keep(r[ix['time_period']], r[ix['breakdown_topic']] if topics else None)
            if ok: kept.append(ln)
        data = b'\n'.join(kept)+b'\n'
        open(f'{out}/{rel}/data/{name}','wb').write(data)
        print(rel,name,len(kept)-1,'rows',len(data),'bytes')
