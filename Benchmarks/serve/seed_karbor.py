#!/usr/bin/env python3
"""Puts COUNT plans of project PROJECT into Karbor 1.6.0's own database, for the service
benchmark's Karbor side. Karbor's plan create calls the protection service over RPC,
which cannot run here, so the plans go in through its object layer (karbor.objects.Plan,
what that create path ends in). Prints the first plan's id.

usage: seed_karbor.py KARBOR_CONF PROJECT COUNT"""
import gc, sys
from oslo_config import cfg
from karbor import context, objects

conf, project, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
objects.register_all()
cfg.CONF(["--config-file", conf], project="karbor")
ctx = context.RequestContext(user_id="bench", project_id=project, is_admin=True)
first = None
for i in range(count):
    plan = objects.Plan(context=ctx, name="bench" if i == 0 else f"p{i}",
                        provider_id="cf56bd3e-97a7-4078-b6d5-f36246333fd9", project_id=project,
                        status="suspended", description="", parameters={},
                        resources=[{"id": "files", "type": "OS::Cinder::Volume", "name": "files", "extra_info": None}])
    plan.create()
    first = first or plan.id
    del plan
    gc.collect()  # else the session's SQLite transaction stays open and the next create waits
print(first)
