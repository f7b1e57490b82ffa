"""Authorization cases of checklists and inspections."""

import uuid

from tests.api.authz import Case
from tests.api.checklist_answers import all_compliant, template
from tests.api.signing import handwriting

ALL_200 = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 200, "manager2": 200,
           "lottery": 200}
SEES_LZ = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
           "lottery": 404}
SEES_TS = {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200, "manager": 404, "manager2": 200,
           "lottery": 404}

# Bodies name the site by id: setup() fills it in, since ids come from the demo data.
NEW_LZ = {"template_key": "eldercare_safety", "template_version": template("eldercare_safety").version, "status": "submitted",
          "answers": all_compliant("eldercare_safety")}
EXISTING_LZ = dict(NEW_LZ, remarks="setup")
SIGNATURE = {"signer": "inspector"}  # setup() names the inspector and a handwriting photo of theirs


async def setup(client, demo, as_user):
    NEW_LZ["site_id"] = EXISTING_LZ["site_id"] = demo.sites["YL-620102-001"]
    values = {"new_inspection": str(uuid.uuid4()), "checklist": "eldercare_safety", "patrol_checklist": "street_patrol",
              "version": "1"}
    for name, user, body in [("inspection_lz", "inspector", EXISTING_LZ),
                             ("inspection_ts", "inspector2", dict(NEW_LZ, site_id=demo.sites["YL-620502-004"]))]:
        inspection_id = str(uuid.uuid4())
        r = await client.put(f"/api/inspections/{inspection_id}", json=body, headers=await as_user(user))
        assert r.status_code == 201, r.text
        values[name] = inspection_id
    SIGNATURE.update(user_id=demo.users["inspector"], photo_id=await handwriting(client, await as_user("inspector")))
    values["new_signature"] = str(uuid.uuid4())
    return values


CASES = [
    Case("GET", "/api/checklists", ALL_200),
    Case("GET", "/api/checklists/{checklist}", ALL_200),
    Case("GET", "/api/checklists/{patrol_checklist}/{version}", ALL_200),
    # Inspectors and supervisors inspect sites in their scope; managers self-inspect their own; admins do not inspect.
    Case("PUT", "/api/inspections/{new_inspection}",
         {"admin": 403, "supervisor": 201, "inspector": 201, "inspector2": 404, "manager": 201, "manager2": 404,
          "lottery": 403},
         body=NEW_LZ),
    # The same id again: an identical replay for its author, a conflict for anyone else who may see the site.
    Case("PUT", "/api/inspections/{inspection_lz}",
         {"admin": 403, "supervisor": 409, "inspector": 200, "inspector2": 404, "manager": 409, "manager2": 404,
          "lottery": 403},
         body=EXISTING_LZ),
    Case("GET", "/api/inspections/{inspection_lz}", SEES_LZ),
    Case("GET", "/api/inspections/{inspection_ts}", SEES_TS),
    Case("GET", "/api/inspections/{inspection_lz}/notice", SEES_LZ),
    Case("GET", "/api/inspections/{inspection_ts}/notice", SEES_TS),
    # Only the inspection's own inspectors record its signatures; others who see it 403, the rest 404.
    Case("PUT", "/api/inspections/{inspection_lz}/signatures/{new_signature}",
         {"admin": 403, "supervisor": 403, "inspector": 201, "inspector2": 404, "manager": 403, "manager2": 404,
          "lottery": 404},
         body=SIGNATURE),
    # Who may be named as a co-inspector: for those who inspect (and admins), at a site in scope.
    Case("GET", "/api/inspectors?site_id={site_lz}",
         {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 403, "manager2": 403,
          "lottery": 403}),
]
