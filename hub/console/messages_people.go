package console

// peopleMessages are the texts of the administration of users, teams, territories, roles and numbering.
var peopleMessages = map[string][2]string{}
